package io.twelvefold.transport.kafka;

import java.util.Map;

/**
 * The conformance kit against Kafka with the KIP-848 consumer group protocol
 * ({@code group-protocol=consumer}), whose timing lives on the broker: the client's session and
 * heartbeat settings do not apply.
 */
class KafkaConsumerProtocolConformanceTest extends KafkaConformanceTest {
    @Override
    protected Map<String, String> config() {
        return Map.of(
                "twelvefold.kafka.bootstrap-servers", EmbeddedKafka.bootstrapServers(),
                "twelvefold.kafka.topic-partitions", "4",
                "twelvefold.kafka.group-protocol", "consumer");
    }
}
