package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.FlowControlConformanceTest;
import java.util.Map;

/** The conformance kit's flow-control scenarios against Kafka. */
class KafkaFlowControlConformanceTest extends FlowControlConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new KafkaTransportProvider();
    }

    @Override
    protected Map<String, String> config() {
        return EmbeddedKafka.config();
    }

    /** None: records are handed over one at a time and delivery stops the moment the runtime pauses. */
    @Override
    protected int inFlightSlack(int maxInFlight) {
        return 0;
    }
}
