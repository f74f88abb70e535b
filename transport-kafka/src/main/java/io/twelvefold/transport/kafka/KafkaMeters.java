package io.twelvefold.transport.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a transport's meters go: the app's registry, which arrives once the app is ready
 * ({@link io.twelvefold.core.spi.Transport#onReady}). The clients' own metrics are bound then (or
 * at once, for a client created later); the lag gauges of the subscriptions are registered by
 * their poll threads once {@link #registry()} is set. Thread-safe.
 */
final class KafkaMeters {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaMeters.class);

    private final Set<ClientMetrics> clients = new LinkedHashSet<>();
    private volatile MeterRegistry registry;

    /**
     * Binds every client's metrics to the registry, and those of the clients created after. Once;
     * later calls are ignored.
     */
    void ready(MeterRegistry r) {
        List<ClientMetrics> toBind;
        synchronized (this) {
            if (registry != null) {
                return;
            }
            registry = r;
            toBind = new ArrayList<>(clients);
        }
        toBind.forEach(c -> c.bind(r));
    }

    /** @return the app's registry, or null until the app is ready */
    MeterRegistry registry() {
        return registry;
    }

    /**
     * A client's metrics, bound now if the registry is there, else when it arrives.
     *
     * @param factory makes the Micrometer binder of the client; called once, when binding
     */
    ClientMetrics client(Supplier<KafkaClientMetrics> factory) {
        ClientMetrics m = new ClientMetrics(factory);
        MeterRegistry r;
        synchronized (this) {
            clients.add(m);
            r = registry;
        }
        if (r != null) {
            m.bind(r);
        }
        return m;
    }

    /** Unbinds a client's metrics (its client is closing). Idempotent. */
    void close(ClientMetrics m) {
        synchronized (this) {
            clients.remove(m);
        }
        m.close();
    }

    /**
     * A client's Micrometer binding: bound at most once, and never after it was closed (closing before
     * binding is fine).
     */
    static final class ClientMetrics {
        private final Supplier<KafkaClientMetrics> factory;
        private KafkaClientMetrics bound;
        private boolean closed;

        ClientMetrics(Supplier<KafkaClientMetrics> factory) {
            this.factory = factory;
        }

        synchronized void bind(MeterRegistry registry) {
            if (closed || bound != null) {
                return;
            }
            try {
                bound = factory.get();
                bound.bindTo(registry);
            } catch (RuntimeException e) {
                LOG.warn("The Kafka client metrics could not be bound to the meter registry: {}", e.toString());
            }
        }

        synchronized void close() {
            closed = true;
            if (bound != null) {
                bound.close();
            }
        }
    }
}
