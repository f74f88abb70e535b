package io.twelvefold.transport.rabbitmq;

import java.util.Map;

/**
 * The conformance kit with {@code ordering=single-active-consumer}: the members of a group take
 * turns instead of competing, so the competing-consumers scenario is skipped.
 */
class RabbitMqSingleActiveConsumerConformanceTest extends RabbitMqConformanceTest {
    @Override
    protected Map<String, String> config() {
        return RabbitMqBroker.config("ordering", "single-active-consumer");
    }
}
