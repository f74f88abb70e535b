package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.example.Toon;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.extensions.DistributedTracingExtension;
import io.cloudevents.core.provider.ExtensionProvider;
import io.cloudevents.kafka.KafkaMessageFactory;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Apps on Kafka next to producers and consumers that Twelvefold did not make: the CloudEvents SDK
 * ({@code cloudevents-kafka}) and plain kafka-clients.
 */
class KafkaInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    @DisplayName("The CloudEvents SDK reads what an app emits: id, source /<name>, type from the payload class, trace context")
    void sdkReadsWhatAnAppEmits() throws Exception {
        String topic = unique("sdk-read");
        String name = unique("toons-app");
        App app = start(app(name).output("toons").config("twelvefold.channels.toons.destination", topic));
        app.publisher().publish("toons", "bugs", new Toon("Bugs")).toCompletableFuture().get(60, TimeUnit.SECONDS);

        ConsumerRecord<String, byte[]> record = readOne(topic);
        CloudEvent event = KafkaMessageFactory.createReader(record).toEvent();
        assertThat(event.getId()).isNotBlank();
        assertThat(event.getSource()).isEqualTo(URI.create("/" + name));
        assertThat(event.getType()).isEqualTo("com.example.toon");
        assertThat(event.getSpecVersion().toString()).isEqualTo("1.0");
        assertThat(event.getDataContentType()).isEqualTo("application/json");
        assertThat(new String(event.getData().toBytes(), UTF_8)).isEqualTo("{\"name\":\"Bugs\"}");
        assertThat(record.key()).isEqualTo("bugs");
        DistributedTracingExtension tracing = ExtensionProvider.getInstance()
                .parseExtension(DistributedTracingExtension.class, event);
        assertThat(tracing).as("the distributed-tracing extension").isNotNull();
        assertThat(tracing.getTraceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
    }

    @Test
    @DisplayName("An app reads what the CloudEvents SDK writes in binary mode, its trace context included")
    void appReadsWhatTheSdkWrites() throws Exception {
        String topic = unique("sdk-write");
        List<Event<Toon>> received = new CopyOnWriteArrayList<>();
        List<String> traceParents = new CopyOnWriteArrayList<>();
        start(app(unique("reader")).config("twelvefold.channels.toons.destination", topic)
                .processor("toons", Toon.class, (event, ctx) -> {
                    received.add(event);
                    traceParents.add(ctx.traceParent());
                }));
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        DistributedTracingExtension tracing = new DistributedTracingExtension();
        tracing.setTraceparent("00-" + traceId + "-00f067aa0ba902b7-01");
        CloudEvent event = CloudEventBuilder.v1().withId("sdk-1").withSource(URI.create("/sdk"))
                .withType("com.example.toon").withDataContentType("application/json")
                .withData("{\"name\":\"Lola\"}".getBytes(UTF_8)).withExtension(tracing).build();
        ProducerRecord<String, byte[]> record = KafkaMessageFactory.createWriter(topic, null, null, "lola")
                .writeBinary(event);
        send(record);

        await().atMost(TIMEOUT).until(() -> received.size() == 1);
        Event<Toon> e = received.get(0);
        assertThat(e.id()).isEqualTo("sdk-1");
        assertThat(e.source()).isEqualTo("/sdk");
        assertThat(e.data()).isEqualTo(new Toon("Lola"));
        assertThat(e.key()).contains("lola");
        assertThat(traceParents.get(0)).as("the trace goes on").startsWith("00-" + traceId + "-");
    }

    @Test
    @DisplayName("A plain producer (no headers, JSON value, a key) feeds a format=plain channel: id topic-partition-offset")
    void plainProducerFeedsAPlainChannel() throws Exception {
        String topic = unique("plain-in");
        List<Event<Toon>> received = new CopyOnWriteArrayList<>();
        start(app(unique("plain-reader"))
                .config("twelvefold.channels.toons.destination", topic)
                .config("twelvefold.channels.toons.format", "plain")
                .processor("toons", Toon.class, (event, ctx) -> received.add(event)));
        RecordMetadata sent = send(new ProducerRecord<>(topic, "daffy", "{\"name\":\"Daffy\"}".getBytes(UTF_8)));

        await().atMost(TIMEOUT).until(() -> received.size() == 1);
        Event<Toon> e = received.get(0);
        assertThat(e.id()).isEqualTo(topic + "-" + sent.partition() + "-" + sent.offset());
        assertThat(e.source()).isEqualTo(topic);
        assertThat(e.type()).isEqualTo("com.example.toon");
        assertThat(e.key()).contains("daffy");
        assertThat(e.data()).isEqualTo(new Toon("Daffy"));
        assertThat(e.time()).isPresent();
        assertThat(e.time().get().toInstant()).isEqualTo(Instant.ofEpochMilli(sent.timestamp()));
    }

    @Test
    @DisplayName("A structured-mode CloudEvent (content-type application/cloudevents+json) is accepted on a default channel")
    void structuredModeOnADefaultChannel() throws Exception {
        String topic = unique("structured");
        List<Event<Toon>> received = new CopyOnWriteArrayList<>();
        start(app(unique("structured-reader")).config("twelvefold.channels.toons.destination", topic)
                .processor("toons", Toon.class, (event, ctx) -> received.add(event)));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "porky", ("{\"specversion\":\"1.0\","
                + "\"id\":\"s-1\",\"source\":\"/legacy\",\"type\":\"com.example.toon\","
                + "\"datacontenttype\":\"application/json\",\"data\":{\"name\":\"Porky\"}}").getBytes(UTF_8));
        record.headers().add("content-type", "application/cloudevents+json; charset=UTF-8".getBytes(UTF_8));
        send(record);

        await().atMost(TIMEOUT).until(() -> received.size() == 1);
        Event<Toon> e = received.get(0);
        assertThat(e.id()).isEqualTo("s-1");
        assertThat(e.source()).isEqualTo("/legacy");
        assertThat(e.data()).isEqualTo(new Toon("Porky"));
    }

    @Test
    @DisplayName("A plain output is read by a plain consumer: the JSON value, the key, content-type and no ce_ header")
    void plainOutputForAPlainConsumer() throws Exception {
        String topic = unique("plain-out");
        App app = start(app(unique("plain-writer")).output("toons")
                .config("twelvefold.channels.toons.destination", topic)
                .config("twelvefold.channels.toons.format", "plain"));
        app.publisher().publish("toons", "taz", new Toon("Taz")).toCompletableFuture().get(60, TimeUnit.SECONDS);

        ConsumerRecord<String, byte[]> record = readOne(topic);
        assertThat(record.key()).isEqualTo("taz");
        assertThat(new String(record.value(), UTF_8)).isEqualTo("{\"name\":\"Taz\"}");
        Map<String, String> headers = headers(record);
        assertThat(headers).containsEntry("content-type", "application/json");
        assertThat(headers.keySet()).noneMatch(k -> k.startsWith("ce_")).doesNotContain("id");
    }

    @Test
    @DisplayName("A dead letter keeps the original record's key and value")
    void deadLetterKeepsTheKey() throws Exception {
        String topic = unique("dlq-key");
        start(app(unique("dlq")).config("twelvefold.channels.toons.destination", topic)
                .config("twelvefold.channels.toons.format", "plain")
                .processor("toons", Toon.class, (event, ctx) -> { }));
        // not JSON: undecodable, dead-lettered at once
        send(new ProducerRecord<>(topic, "marvin", "not json".getBytes(UTF_8)));

        ConsumerRecord<String, byte[]> dead = readOne(topic + ".dlq");
        assertThat(dead.key()).isEqualTo("marvin");
        assertThat(new String(dead.value(), UTF_8)).isEqualTo("not json");
        assertThat(headers(dead)).containsEntry(io.twelvefold.core.DeadLetterHeaders.ORIGINAL_DESTINATION, topic);
    }

    // ---------------------------------------------------------------------------------------------

    private static App.Builder app(String name) {
        return App.builder().transportProvider(new KafkaTransportProvider()).environment(Map.of())
                .config(EmbeddedKafka.config())
                .config("twelvefold.kafka.topic-partitions", "1")
                .config("twelvefold.transport", "kafka")
                .config("twelvefold.name", name);
    }

    private App start(App.Builder builder) {
        App app = builder.build();
        resources.add(app);
        return app.start();
    }

    private static RecordMetadata send(ProducerRecord<String, byte[]> record) throws Exception {
        Map<String, Object> props = Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            return producer.send(record).get(60, TimeUnit.SECONDS);
        }
    }

    private static ConsumerRecord<String, byte[]> readOne(String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, unique("plain-consumer"));
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(TIMEOUT).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return !records.isEmpty();
            });
            return records.get(0);
        }
    }

    private static Map<String, String> headers(ConsumerRecord<?, byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : record.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), UTF_8));
        }
        return headers;
    }

    private static String unique(String prefix) {
        return "kafka-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
