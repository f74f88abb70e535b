package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The record headers of CloudEvents and plain messages, both ways, without a broker. */
class CloudEventsBindingTest {

    @Test
    @DisplayName("A plain message is written with content-type and its headers only: no ce_ header, no id")
    void plainOut() {
        Headers h = CloudEventsBinding.toHeaders(Map.of("id", "e-1", "datacontenttype", "application/json"),
                Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tenant", "acme"));
        assertThat(asMap(h)).containsExactlyInAnyOrderEntriesOf(Map.of("content-type", "application/json",
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tenant", "acme"));
    }

    @Test
    @DisplayName("A CloudEvent carries traceparent and tracestate as the ce_ tracing extension, other headers as they are")
    void tracingExtensionOut() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", "e-1");
        attributes.put("source", "/app");
        attributes.put("type", "com.example.toon");
        attributes.put("specversion", "1.0");
        Headers h = CloudEventsBinding.toHeaders(attributes, Map.of("traceparent", "00-a-b-01", "tracestate", "k=v",
                "tenant", "acme"));
        assertThat(asMap(h)).containsExactlyInAnyOrderEntriesOf(Map.of("ce_id", "e-1", "ce_source", "/app",
                "ce_type", "com.example.toon", "ce_specversion", "1.0", "ce_traceparent", "00-a-b-01",
                "ce_tracestate", "k=v", "tenant", "acme"));
    }

    @Test
    @DisplayName("On the way in, ce_ context attributes are attributes and every other ce_ name is an extension header")
    void extensionsIn() {
        RecordHeaders h = new RecordHeaders();
        h.add("ce_id", bytes("e-1"));
        h.add("ce_dataschema", bytes("https://example.com/toon.json"));
        h.add("content-type", bytes("application/json"));
        h.add("ce_traceparent", bytes("00-a-b-01"));
        h.add("ce_tracestate", bytes("k=v"));
        h.add("ce_partitionkey", bytes("k1"));
        h.add("tenant", bytes("acme"));
        CloudEventsBinding.Split split = CloudEventsBinding.fromHeaders(h);
        assertThat(split.attributes()).containsExactlyInAnyOrderEntriesOf(Map.of("id", "e-1",
                "dataschema", "https://example.com/toon.json", "datacontenttype", "application/json"));
        assertThat(split.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("traceparent", "00-a-b-01",
                "tracestate", "k=v", "partitionkey", "k1", "tenant", "acme"));
    }

    @Test
    @DisplayName("A plain traceparent header (written before the extension) is still read; ce_traceparent wins over it")
    void oldTraceparentHeader() {
        RecordHeaders old = new RecordHeaders();
        old.add("ce_id", bytes("e-1"));
        old.add("traceparent", bytes("00-old-old-01"));
        assertThat(CloudEventsBinding.fromHeaders(old).headers()).containsEntry("traceparent", "00-old-old-01");

        RecordHeaders both = new RecordHeaders();
        both.add("ce_traceparent", bytes("00-new-new-01"));
        both.add("traceparent", bytes("00-old-old-01"));
        assertThat(CloudEventsBinding.fromHeaders(both).headers()).containsEntry("traceparent", "00-new-new-01");
    }

    @Test
    @DisplayName("A record's message id is topic-partition-offset and its timestamp the record's")
    void messageIdAndTimestamp() {
        ConsumerRecord<String, byte[]> r = new ConsumerRecord<>("orders", 3, 42L, 1_700_000_000_123L,
                TimestampType.CREATE_TIME, 0, 0, "k", bytes("{}"), new RecordHeaders(), Optional.empty());
        KafkaIncomingMessage m = new KafkaIncomingMessage(null, new PartitionOffsets(new TopicPartition("orders", 3),
                null), r, CloudEventsBinding.fromHeaders(r.headers()));
        assertThat(m.messageId()).isEqualTo("orders-3-42");
        assertThat(m.timestamp()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L));
        assertThat(m.key()).isEqualTo("k");

        ConsumerRecord<String, byte[]> none = new ConsumerRecord<>("orders", 0, 7L, -1L, TimestampType.NO_TIMESTAMP_TYPE,
                0, 0, null, null, new RecordHeaders(), Optional.empty());
        KafkaIncomingMessage n = new KafkaIncomingMessage(null, new PartitionOffsets(new TopicPartition("orders", 0),
                null), none, CloudEventsBinding.fromHeaders(none.headers()));
        assertThat(n.timestamp()).isNull();
        assertThat(n.payload()).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static Map<String, String> asMap(Headers headers) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Header h : headers) {
            m.put(h.key(), new String(h.value(), UTF_8));
        }
        return m;
    }
}
