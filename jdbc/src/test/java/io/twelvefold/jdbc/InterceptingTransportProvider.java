package io.twelvefold.jdbc;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The in-memory transport under another name (its settings under {@code twelvefold.<name>.}),
 * whose publishers a test wraps to play a broker that refuses or delays.
 */
abstract class InterceptingTransportProvider implements TransportProvider {
    private final String name;
    private final TransportProvider inMemory = ServiceLoader.load(TransportProvider.class).stream()
            .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("inmemory")).findFirst().orElseThrow();

    InterceptingTransportProvider(String name) {
        this.name = name;
    }

    /** @return the publisher the app gets in place of the in-memory transport's {@code inner} */
    abstract Publisher wrap(Publisher inner);

    /** The transport is closing (before the in-memory transport closes). */
    void closing() {
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final List<ConfigKey> configKeys() {
        return inMemory.configKeys();
    }

    @Override
    public final Transport create(TransportContext context) {
        Transport inner = inMemory.create(context);
        return new Transport() {
            @Override
            public Set<Capability> capabilities() {
                return inner.capabilities();
            }

            @Override
            public Publisher publisher(PublisherRequest request) {
                return wrap(inner.publisher(request));
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
                closing();
                inner.close();
            }
        };
    }
}
