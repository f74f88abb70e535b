package io.twelvefold.transport.rabbitmq;

import java.util.Map;

/** The conformance kit on quorum queues (replicated; the broker counts deliveries). */
class RabbitMqQuorumConformanceTest extends RabbitMqConformanceTest {
    @Override
    protected Map<String, String> config() {
        return RabbitMqBroker.config("queue-type", "quorum");
    }
}
