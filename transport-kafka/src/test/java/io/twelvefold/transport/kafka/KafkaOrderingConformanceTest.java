package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.OrderingConformanceTest;
import java.util.Map;

/** The conformance kit's ordering scenarios against Kafka. */
class KafkaOrderingConformanceTest extends OrderingConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new KafkaTransportProvider();
    }

    @Override
    protected Map<String, String> config() {
        return EmbeddedKafka.config();
    }
}
