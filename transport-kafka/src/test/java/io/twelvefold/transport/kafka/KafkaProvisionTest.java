package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The provision command creates the app's topics, so that the app can run with create-topics=false. */
class KafkaProvisionTest {
    private final List<String> processed = new CopyOnWriteArrayList<>();

    private App.Builder builder(String topic, String... more) {
        App.Builder b = App.builder().transportProvider(new KafkaTransportProvider()).environment(Map.of())
                .config(EmbeddedKafka.config())
                .config("twelvefold.transport", "kafka")
                .config("twelvefold.name", "prov")
                .config("twelvefold.channels.orders.destination", topic);
        for (int i = 0; i + 1 < more.length; i += 2) {
            b.config(more[i], more[i + 1]);
        }
        return b.processor("orders", String.class, (e, ctx) -> processed.add(e.data())).output("orders");
    }

    @Test
    @DisplayName("provision creates the topic and its dead-letter topic with the configured partitions; the app then starts with create-topics=false")
    void provisionThenCreateNothing() throws Exception {
        String topic = "prov-" + UUID.randomUUID().toString().substring(0, 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = builder(topic, "twelvefold.kafka.topic-partitions", "3").command(
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                "provision");

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(
                "provision: channel 'orders': destination '" + topic + "', group 'prov', dead letters '" + topic + ".dlq'",
                "provision: done on transport 'kafka', 1 channel(s)");
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(topic, topic + ".dlq")).allTopicNames()
                    .get(60, TimeUnit.SECONDS);
            assertThat(topics.get(topic).partitions()).hasSize(3);
            assertThat(topics.get(topic + ".dlq").partitions()).hasSize(3);
        }
        try (App app = builder(topic, "twelvefold.kafka.create-topics", "false").build().start()) {
            app.publisher().publish("orders", "k", "hello").toCompletableFuture().join();
            await().atMost(Duration.ofSeconds(60)).until(() -> processed.contains("hello"));
        }
    }
}
