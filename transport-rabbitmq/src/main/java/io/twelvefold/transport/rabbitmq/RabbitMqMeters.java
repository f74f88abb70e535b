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
 */
final class RabbitMqMeters {
    static final String RECOVERIES = "twelvefold.rabbitmq.connection.recoveries";
    static final String RESENT = "twelvefold.rabbitmq.sends.resent";
    static final String REJECTED = "twelvefold.rabbitmq.redelivery.rejected";
    static final String CONNECTED = "twelvefold.rabbitmq.connected";

    private final Counter publishRecoveries;
    private final Counter consumeRecoveries;
    private final Counter resent;
    private final Counter rejected;

    RabbitMqMeters(MeterRegistry registry, BooleanSupplier connected) {
        publishRecoveries = Counter.builder(RECOVERIES).tag("connection", "publish")
                .description("RabbitMQ connections recovered after a loss").register(registry);
        consumeRecoveries = Counter.builder(RECOVERIES).tag("connection", "consume")
                .description("RabbitMQ connections recovered after a loss").register(registry);
        resent = Counter.builder(RESENT).description("Sends published again after a connection recovery")
                .register(registry);
        rejected = Counter.builder(REJECTED)
                .description("Messages rejected to the dead-letter exchange after max-deliveries").register(registry);
        Gauge.builder(CONNECTED, () -> connected.getAsBoolean() ? 1 : 0)
                .description("1 while the transport is connected and no consumer was cancelled, else 0")
                .register(registry);
    }

    void recovered(boolean publishing) {
        (publishing ? publishRecoveries : consumeRecoveries).increment();
    }

    void resent(int count) {
        resent.increment(count);
    }

    void rejected() {
        rejected.increment();
    }
}
