package io.twelvefold.jdbc;

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
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory transport (its settings under {@code twelvefold.gated.}) whose broker confirms
 * nothing until the gate opens, and which records what happened to it, in order: {@code sent},
 * {@code confirmed}, {@code closed}.
 */
final class GatedTransportProvider implements TransportProvider {
    final List<String> log = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> gate = new CompletableFuture<>();
    private final TransportProvider inMemory = ServiceLoader.load(TransportProvider.class).stream()
            .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("inmemory")).findFirst().orElseThrow();

    @Override
    public String name() {
        return "gated";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return inMemory.configKeys();
    }

    long count(String what) {
        return log.stream().filter(what::equals).count();
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
                List<Runnable> held = new ArrayList<>();
                gate.thenRun(() -> {
                    synchronized (held) {
                        held.forEach(Runnable::run); // in the order they were sent
                        held.clear();
                    }
                });
                return new Publisher() {
                    @Override
                    public CompletableFuture<Void> send(OutgoingMessage message) {
                        log.add("sent");
                        // the broker takes the message once the gate opens, and confirms it then
                        CompletableFuture<Void> confirmed = new CompletableFuture<>();
                        Runnable take = () -> p.send(message).thenRun(() -> log.add("confirmed"))
                                .whenComplete((v, e) -> {
                                    if (e == null) {
                                        confirmed.complete(null);
                                    } else {
                                        confirmed.completeExceptionally(e);
                                    }
                                });
                        synchronized (held) {
                            if (!gate.isDone()) {
                                held.add(take);
                                return confirmed;
                            }
                        }
                        take.run();
                        return confirmed;
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
                log.add("closed");
                inner.close();
            }
        };
    }
}
