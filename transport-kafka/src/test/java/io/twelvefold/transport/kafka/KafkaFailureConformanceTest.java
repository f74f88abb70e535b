package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.FailureConformanceTest;
import java.util.Map;

/** The conformance kit's failure scenarios against Kafka. */
class KafkaFailureConformanceTest extends FailureConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new KafkaTransportProvider();
    }

    @Override
    protected Map<String, String> config() {
        return EmbeddedKafka.config();
    }
}
