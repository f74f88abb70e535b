package io.twelvefold.transport.rabbitmq;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * The transport's own meters, beside the runtime's messaging meters:
 * {@value #RECOVERIES} (connections recovered, by {@code connection} publish or consume),
 * {@value #RESENT} (sends published again after a recovery), {@value #REJECTED} (messages
 * rejected by the redelivery guard) and {@value #CONNECTED} (1 when connected, else 0).
 *
 * <p>They count from the transport's creation and are registered by {@link #register} when the app
 * is ready ({@link io.twelvefold.core.spi.Transport#onReady}); what was counted before that carries
 * over. Thread-safe.
 */
final class RabbitMqMeters {
    static final String RECOVERIES = "twelvefold.rabbitmq.connection.recoveries";
    static final String RESENT = "twelvefold.rabbitmq.sends.resent";
    static final String REJECTED = "twelvefold.rabbitmq.redelivery.rejected";
    static final String CONNECTED = "twelvefold.rabbitmq.connected";

    private final Late publishRecoveries = new Late();
    private final Late consumeRecoveries = new Late();
    private final Late resent = new Late();
    private final Late rejected = new Late();

    /** A count that becomes a Micrometer counter once registered. */
    private static final class Late {
        private long early; // guarded by this until the counter exists
        private volatile Counter counter;

        void increment(long n) {
            Counter c = counter;
            if (c == null) {
                synchronized (this) {
                    c = counter;
                    if (c == null) {
                        early += n;
                        return;
                    }
                }
            }
            c.increment(n);
        }

        synchronized void bind(Counter c) {
            if (early > 0) {
                c.increment(early);
            }
            counter = c;
        }
    }

    /**
     * Registers the meters, once; the counts so far carry over.
     *
     * @param registry the app's registry
     * @param connected what the {@value #CONNECTED} gauge reads
     */
    void register(MeterRegistry registry, BooleanSupplier connected) {
        publishRecoveries.bind(Counter.builder(RECOVERIES).tag("connection", "publish")
                .description("RabbitMQ connections recovered after a loss").register(registry));
        consumeRecoveries.bind(Counter.builder(RECOVERIES).tag("connection", "consume")
                .description("RabbitMQ connections recovered after a loss").register(registry));
        resent.bind(Counter.builder(RESENT).description("Sends published again after a connection recovery")
                .register(registry));
        rejected.bind(Counter.builder(REJECTED)
                .description("Messages rejected to the dead-letter exchange after max-deliveries").register(registry));
        Gauge.builder(CONNECTED, () -> connected.getAsBoolean() ? 1 : 0)
                .description("1 while the transport is connected and no consumer was cancelled, else 0")
                .register(registry);
    }

    void recovered(boolean publishing) {
        (publishing ? publishRecoveries : consumeRecoveries).increment(1);
    }

    void resent(int count) {
        resent.increment(count);
    }

    void rejected() {
        rejected.increment(1);
    }
}
