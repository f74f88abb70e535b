package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Kafka specifics below the runtime: the wire format, commits across restarts, meters, health. */
class KafkaTransportTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    @DisplayName("The poll loop never runs a processor: no INLINE_PROCESSING, and no DELAYED_REDELIVERY")
    void capabilities() {
        Transport transport = transport();
        assertThat(transport.capabilities()).doesNotContain(io.twelvefold.core.spi.Capability.INLINE_PROCESSING,
                io.twelvefold.core.spi.Capability.DELAYED_REDELIVERY);
    }

    @Test
    @DisplayName("A message is a record in CloudEvents binary mode: ce_ headers, content-type, ce_traceparent, plain headers, key and bytes")
    void cloudEventsBinaryMode() throws Exception {
        String topic = unique("binary");
        Transport transport = transport();
        Publisher publisher = closeLater(transport.publisher(PublisherRequest.of(topic)));
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", "id-1");
        attributes.put("source", "/kit");
        attributes.put("type", "io.twelvefold.test");
        attributes.put("specversion", "1.0");
        attributes.put("time", "2024-05-04T12:30:15.123+02:00");
        attributes.put("subject", "orders/1");
        attributes.put("datacontenttype", "application/json");
        publisher.send(new OutgoingMessage("key-1", attributes, Map.of("traceparent", "00-abc-def-01", "app-header", "x"),
                "{\"a\":1}".getBytes(UTF_8))).get(60, TimeUnit.SECONDS);

        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("plain"));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(TIMEOUT).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return !records.isEmpty();
            });
            ConsumerRecord<String, byte[]> r = records.get(0);
            Map<String, String> headers = new LinkedHashMap<>();
            for (Header h : r.headers()) {
                headers.put(h.key(), new String(h.value(), UTF_8));
            }
            assertThat(r.key()).isEqualTo("key-1");
            assertThat(new String(r.value(), UTF_8)).isEqualTo("{\"a\":1}");
            assertThat(headers).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "ce_id", "id-1", "ce_source", "/kit", "ce_type", "io.twelvefold.test", "ce_specversion", "1.0",
                    "ce_time", "2024-05-04T12:30:15.123+02:00", "ce_subject", "orders/1",
                    "content-type", "application/json", "ce_traceparent", "00-abc-def-01", "app-header", "x"));
        }
    }

    @Test
    @DisplayName("After a crash (closed without commit) the next member sees exactly the uncommitted messages again")
    void restartAfterCrashSeesExactlyTheUncommitted() throws Exception {
        String topic = unique("crash");
        String group = unique("group");
        Transport transport = transport();
        List<String> ids = sendAll(transport, topic, 20);

        Recorder first = new Recorder(m -> Integer.parseInt(m.attributes().get("id").substring(3)) < 10);
        Subscription s1 = transport.subscribe(new SubscriptionRequest(topic, group, 100), first);
        await().atMost(TIMEOUT).until(() -> first.messages.size() == 20);
        await("the first 10 to be committed").atMost(TIMEOUT).until(() -> committed(group, topic) == 10);
        ((KafkaSubscription) s1).abort();

        Recorder second = new Recorder(m -> true);
        closeLater(transport.subscribe(new SubscriptionRequest(topic, group, 100), second));
        await().atMost(TIMEOUT).until(() -> second.messages.size() >= 10);
        assertThat(second.ids()).containsExactlyElementsOf(ids.subList(10, 20));
    }

    @Test
    @DisplayName("Acknowledged messages beyond an unfinished one are committed in the metadata: the next member skips them")
    void acknowledgedBeyondAGapAreNotDeliveredAgain() throws Exception {
        String topic = unique("gap");
        String group = unique("group");
        Transport transport = transport();
        List<String> ids = sendAll(transport, topic, 20);

        // 5 and 6 stay unfinished, everything else is acknowledged
        Recorder first = new Recorder(m -> !List.of("id-5", "id-6").contains(m.attributes().get("id")));
        Subscription s1 = transport.subscribe(new SubscriptionRequest(topic, group, 100), first);
        await().atMost(TIMEOUT).until(() -> first.messages.size() == 20);
        s1.close();
        assertThat(committed(group, topic)).as("committed offset: the first unfinished one").isEqualTo(5);

        Recorder second = new Recorder(m -> true);
        closeLater(transport.subscribe(new SubscriptionRequest(topic, group, 100), second));
        await().atMost(TIMEOUT).until(() -> second.messages.size() >= 2);
        assertThat(second.ids()).containsExactly(ids.get(5), ids.get(6));
        await("everything to be committed").atMost(TIMEOUT).until(() -> committed(group, topic) == 20);
        assertThat(second.ids()).as("nothing else delivered").hasSize(2);
    }

    @Test
    @DisplayName("Consumer lag per partition and the Kafka client metrics are registered with Micrometer when the app is ready")
    void meters() throws Exception {
        String topic = unique("lag");
        String group = unique("group");
        MeterRegistry registry = new SimpleMeterRegistry();
        Transport transport = transport();
        transport.onReady(registry);
        sendAll(transport, topic, 10);
        Recorder unacknowledging = new Recorder(m -> false);
        Subscription s = closeLater(transport.subscribe(new SubscriptionRequest(topic, group, 100), unacknowledging));
        await().atMost(TIMEOUT).until(() -> unacknowledging.messages.size() == 10);
        await("the lag of partition 0 to show 10").atMost(TIMEOUT).until(() -> lag(registry, topic) == 10.0);
        unacknowledging.messages.forEach(IncomingMessage::ack);
        await("the lag to drop to 0").atMost(TIMEOUT).until(() -> lag(registry, topic) == 0.0);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(registry.getMeters())
                .anyMatch(m -> m.getId().getName().startsWith("kafka.consumer."))
                .anyMatch(m -> m.getId().getName().startsWith("kafka.producer.")));
        s.close();
    }

    @Test
    @DisplayName("connected() turns true at the first probe, without a subscription")
    void connectedWithoutASubscription() {
        Transport up = transport();
        await().atMost(TIMEOUT).until(up::connected);
    }

    @Test
    @DisplayName("connected() stays false while the cluster is unreachable; subscribing then fails in time")
    void disconnected() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap-servers", "127.0.0.1:1");
        p.put("subscribe-timeout", "2s");
        // made directly, past the start-up check that create() does; the probe at once
        KafkaTransport down = closeLater(new KafkaTransport(KafkaTransportConfig.of(p), null, 0));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> !down.connected());
        assertThatThrownBy(() -> down.subscribe(new SubscriptionRequest("nowhere", "g", 10), new Recorder(m -> true)))
                .isInstanceOf(TransportException.class)
                .hasMessage("Kafka topic 'nowhere' (channel 'nowhere') could not be created within 2s: is the "
                        + "cluster at '127.0.0.1:1' reachable?");
    }

    @Test
    @DisplayName("Before the first probe, a subscription that joined its group shows the cluster reachable")
    void readinessBeforeTheFirstProbe() throws Exception {
        String topic = unique("no-probe");
        Map<String, String> properties = new LinkedHashMap<>(EmbeddedKafka.transportProperties());
        // a probe that never comes during the test: only the subscription can show the cluster reachable
        KafkaTransport transport = closeLater(new KafkaTransport(KafkaTransportConfig.of(properties), null,
                TimeUnit.HOURS.toMillis(1)));
        assertThat(transport.connected()).as("nothing reached the cluster yet").isFalse();

        Recorder recorder = new Recorder(m -> true);
        closeLater(transport.subscribe(new SubscriptionRequest(topic, unique("group"), 10), recorder));
        assertThat(transport.connected()).as("the group was joined").isTrue();
        List<String> sent = sendAll(transport, topic, 3);
        await().atMost(TIMEOUT).until(() -> recorder.ids().size() == 3);
        assertThat(recorder.ids()).isEqualTo(sent);
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 2, unit = TimeUnit.MINUTES) // a transport that waits for the registry hangs
    @DisplayName("Subscribing and delivering need no meter registry; the meters are registered when the app is ready")
    void startUpDoesNotWaitForTheMeterRegistry() throws Exception {
        String topic = unique("registry");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, String> properties = new LinkedHashMap<>(EmbeddedKafka.transportProperties());
        properties.put("topic-partitions", "1");
        Transport transport = closeLater(new KafkaTransportProvider().create(new TestContext(properties)));
        List<String> sent = sendAll(transport, topic, 3);
        Recorder recorder = new Recorder(m -> true);
        closeLater(transport.subscribe(new SubscriptionRequest(topic, unique("group"), 10), recorder));
        await().atMost(TIMEOUT).until(() -> recorder.ids().size() == 3);
        assertThat(recorder.ids()).isEqualTo(sent);
        assertThat(registry.getMeters()).isEmpty();
        transport.onReady(registry);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(registry.getMeters())
                .anyMatch(m -> m.getId().getName().startsWith("kafka.consumer."))
                .anyMatch(m -> m.getId().getName().startsWith("kafka.producer."))
                .anyMatch(m -> m.getId().getName().equals("twelvefold.consumer.lag")));
    }

    // ---------------------------------------------------------------------------------------------

    private static double lag(MeterRegistry registry, String topic) {
        Gauge g = registry.find("twelvefold.consumer.lag").tag("destination", topic).tag("partition", "0").gauge();
        return g == null ? -1 : g.value();
    }

    private static long committed(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata o = offsets.get(new TopicPartition(topic, 0));
            return o == null ? -1 : o.offset();
        }
    }

    /** Sends {@code id-0} ... to one partition (one key), in order. */
    private List<String> sendAll(Transport transport, String topic, int count) throws Exception {
        Publisher publisher = closeLater(transport.publisher(PublisherRequest.of(topic)));
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = "id-" + i;
            ids.add(id);
            Map<String, String> attributes = Map.of("id", id, "source", "/kit", "type", "t", "specversion", "1.0");
            // partition 0 explicitly would need a partitioner; one key keeps them in one partition
            sends.add(publisher.send(new OutgoingMessage("one-key", attributes, Map.of(), new byte[] {1})));
        }
        CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        return ids;
    }

    private Transport transport() {
        Map<String, String> properties = new LinkedHashMap<>(EmbeddedKafka.transportProperties());
        // one partition, so that offsets are the sending order
        properties.put("topic-partitions", "1");
        return closeLater(new KafkaTransportProvider().create(new TestContext(properties)));
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    private static String unique(String prefix) {
        return "kafka-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Keeps what arrives and acknowledges what the predicate accepts. */
    private static final class Recorder implements MessageHandler {
        final List<IncomingMessage> messages = new CopyOnWriteArrayList<>();
        private final Predicate<IncomingMessage> ack;

        Recorder(Predicate<IncomingMessage> ack) {
            this.ack = ack;
        }

        @Override
        public void onMessage(IncomingMessage message) {
            messages.add(message);
            if (ack.test(message)) {
                message.ack();
            }
        }

        List<String> ids() {
            return messages.stream().map(m -> m.attributes().get("id")).toList();
        }
    }
}
