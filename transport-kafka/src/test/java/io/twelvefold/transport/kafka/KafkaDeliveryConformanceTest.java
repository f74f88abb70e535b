package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.DeliveryConformanceTest;
import java.util.Map;

/** The conformance kit's delivery scenarios against Kafka. */
class KafkaDeliveryConformanceTest extends DeliveryConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new KafkaTransportProvider();
    }

    @Override
    protected Map<String, String> config() {
        return EmbeddedKafka.config();
    }
}
