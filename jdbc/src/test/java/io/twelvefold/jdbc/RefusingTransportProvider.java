package io.twelvefold.jdbc;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.TransportException;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory transport (its settings under {@code twelvefold.refusing.}) whose broker refuses,
 * once, the send of a message whose payload is the given bytes.
 */
final class RefusingTransportProvider implements TransportProvider {
    final AtomicInteger refused = new AtomicInteger();
    private final String payload;
    private final TransportProvider inMemory = ServiceLoader.load(TransportProvider.class).stream()
            .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("inmemory")).findFirst().orElseThrow();

    RefusingTransportProvider(String payload) {
        this.payload = payload;
    }

    @Override
    public String name() {
        return "refusing";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return inMemory.configKeys();
    }

    @Override
    public Transport create(TransportContext context) {
        Transport inner = inMemory.create(context);
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
                        if (new String(message.payload(), StandardCharsets.UTF_8).equals(payload)
                                && refused.compareAndSet(0, 1)) {
                            return CompletableFuture.failedFuture(new TransportException("the broker refused it"));
                        }
                        return p.send(message);
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
}
