package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.DeliveryConformanceTest;
import java.util.Map;

/**
 * The conformance kit's delivery scenarios (fan-out, competing consumers, hand-over on close)
 * with the KIP-848 consumer group protocol ({@code group-protocol=consumer}), whose timing lives
 * on the broker: the client's session and heartbeat settings do not apply.
 */
class KafkaConsumerProtocolDeliveryConformanceTest extends DeliveryConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new KafkaTransportProvider();
    }

    @Override
    protected Map<String, String> config() {
        return Map.of(
                "twelvefold.kafka.bootstrap-servers", EmbeddedKafka.bootstrapServers(),
                "twelvefold.kafka.topic-partitions", "4",
                "twelvefold.kafka.group-protocol", "consumer");
    }
}
