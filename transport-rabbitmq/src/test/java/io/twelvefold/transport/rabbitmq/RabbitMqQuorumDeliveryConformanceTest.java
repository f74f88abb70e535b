package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.DeliveryConformanceTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The delivery scenarios on quorum queues (replicated; the broker counts deliveries). */
class RabbitMqQuorumDeliveryConformanceTest extends DeliveryConformanceTest {
    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    @Override
    protected TransportProvider provider() {
        return RabbitMqBroker.provider();
    }

    @Override
    protected Map<String, String> config() {
        return RabbitMqBroker.config("queue-type", "quorum");
    }
}
