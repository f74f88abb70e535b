package io.twelvefold.bench.jdbc;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A transport provider in front of a real one, under its name, that notes when the broker confirmed
 * each of {@link OutboxBench}'s rows (the payload is the row's number): the moment a row is
 * published, whatever the consumer does afterwards.
 */
final class ConfirmClock implements TransportProvider {
    private final TransportProvider real;
    private final AtomicLongArray confirmed;

    /** @param confirmed where to note {@link System#nanoTime()} at each row's confirmation, by row number */
    ConfirmClock(String transport, AtomicLongArray confirmed) {
        this.real = ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(transport)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no transport '" + transport + "'"));
        this.confirmed = confirmed;
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public List<ConfigKey> configKeys() {
        return real.configKeys();
    }

    @Override
    public List<ConfigKey> channelConfigKeys() {
        return real.channelConfigKeys();
    }

    @Override
    public void validate(TransportContext context) {
        real.validate(context);
    }

    @Override
    public Transport create(TransportContext context) {
        Transport inner = real.create(context);
        return new Transport() {
            @Override
            public Set<Capability> capabilities() {
                return inner.capabilities();
            }

            @Override
            public Publisher publisher(PublisherRequest request) {
                Publisher p = inner.publisher(request);
                return new Publisher() {
                    @Override
                    public CompletableFuture<Void> send(OutgoingMessage message) {
                        int row = row(message.payload());
                        return p.send(message).whenComplete((v, e) -> {
                            if (e == null && row >= 0) {
                                confirmed.compareAndSet(row, 0, System.nanoTime());
                            }
                        });
                    }

                    @Override
                    public void close() {
                        p.close();
                    }
                };
            }

            @Override
            public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
                return inner.subscribe(request, handler);
            }

            @Override
            public boolean connected() {
                return inner.connected();
            }

            @Override
            public void onReady(MeterRegistry registry) {
                inner.onReady(registry);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    /** @return the row number in a payload such as {@code "123"} (JSON), or -1 */
    private static int row(byte[] payload) {
        String s = new String(payload, StandardCharsets.UTF_8).replace("\"", "").strip();
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
