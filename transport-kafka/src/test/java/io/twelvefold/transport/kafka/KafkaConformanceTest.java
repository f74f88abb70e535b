package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.TransportConformanceKit;
import java.util.Map;

/** The conformance kit against Kafka, with the classic consumer group protocol. */
class KafkaConformanceTest extends TransportConformanceKit {
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
