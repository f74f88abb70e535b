package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.spi.TransportContext;
import java.util.Map;

/**
 * The context of the transports the tests create themselves.
 *
 * @param properties the keys under {@code twelvefold.rabbitmq.}, with that prefix removed
 * @param channelOptions the channels' keys under {@code twelvefold.channels.<channel>.rabbitmq.}, by channel
 */
record TestContext(Map<String, String> properties, Map<String, Map<String, String>> channelOptions)
        implements TransportContext {

    TestContext(Map<String, String> properties) {
        this(properties, Map.of());
    }
}
