package io.twelvefold.transport.rabbitmq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.twelvefold.core.App;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The key of a delivery and its routing key: a dead letter is published with the routing key its
 * original came with and keeps its key, in both formats, also after a retry on the broker.
 */
class RabbitMqDeadLetterKeyTest {
    private final List<App> apps = new ArrayList<>();

    /** A payload of the tests. */
    record Toon(String name, int order) {
    }

    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterEach
    void closeApps() {
        apps.forEach(App::close);
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    private static String unique(String prefix) {
        return "dlkey-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Starts an app whose channel 'toons' reads the destination in group 'g' and fails every attempt. */
    private App failingApp(String destination, List<Event<Toon>> seen, String... more) {
        App.Builder builder = RabbitMqBroker.app(unique("app"))
                .config("twelvefold.channels.toons.destination", destination)
                .config("twelvefold.channels.toons.group", "g")
                .config("twelvefold.channels.toons.max-attempts", "1")
                .processor("toons", Toon.class, (event, ctx) -> {
                    seen.add(event);
                    throw new IllegalStateException("always fails");
                });
        for (int i = 0; i + 1 < more.length; i += 2) {
            builder.config(more[i], more[i + 1]);
        }
        App app = builder.build();
        apps.add(app);
        return app.start();
    }

    private static void publish(String exchange, String routingKey, Map<String, Object> headers, String body)
            throws Exception {
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.confirmSelect();
            c.basicPublish(exchange, routingKey, true, new AMQP.BasicProperties.Builder().contentType("application/json")
                    .headers(headers).build(), body.getBytes(UTF_8));
            c.waitForConfirmsOrDie(10_000);
        }
    }

    /** Takes the one dead letter of group 'g' from {@code <destination>.dlq.g}. */
    private static GetResponse deadLetter(String destination) throws Exception {
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            String queue = destination + ".dlq.g";
            await("the dead letter in " + queue).atMost(Duration.ofSeconds(30))
                    .until(() -> c.queueDeclarePassive(queue).getMessageCount() == 1);
            return c.basicGet(queue, true);
        }
    }

    private static Map<String, String> headers(GetResponse got) {
        Map<String, String> headers = new LinkedHashMap<>();
        got.getProps().getHeaders().forEach((k, v) -> headers.put(k, String.valueOf(v)));
        return headers;
    }

    @Test
    @DisplayName("An invalid message from another producer, without a key, is dead-lettered with the routing key it came with")
    void invalidForeignMessageKeepsItsRoutingKey() throws Exception {
        String destination = unique("invalid");
        failingApp(destination, new CopyOnWriteArrayList<>());
        publish(destination, "eu.orders.created", Map.of(), "{\"name\":\"Bugs\",\"order\":1}");

        GetResponse dead = deadLetter(destination);
        assertThat(dead.getEnvelope().getRoutingKey()).isEqualTo("eu.orders.created");
        assertThat(headers(dead)).containsEntry(DeadLetterHeaders.REASON, "invalid")
                .doesNotContainKeys("cloudEvents:partitionkey", MessageMapping.ROUTING_KEY);
        MessageMapping.Incoming read = MessageMapping.read(dead.getEnvelope(), dead.getProps(),
                ChannelOptions.KeySource.HEADER);
        assertThat(read.key()).as("key").isNull();
        assertThat(read.headers()).containsEntry(MessageMapping.ROUTING_KEY, "eu.orders.created");
    }

    @Test
    @DisplayName("A CloudEvent whose key differs from its routing key is dead-lettered with both")
    void cloudEventKeepsKeyAndRoutingKey() throws Exception {
        String destination = unique("ce");
        List<Event<Toon>> seen = new CopyOnWriteArrayList<>();
        failingApp(destination, seen);
        publish(destination, "toons.added", Map.of("cloudEvents:id", "ce-1", "cloudEvents:source", "/elsewhere",
                "cloudEvents:type", "com.example.toon", "cloudEvents:specversion", "1.0",
                "cloudEvents:partitionkey", "bugs"), "{\"name\":\"Bugs\",\"order\":1}");

        GetResponse dead = deadLetter(destination);
        assertThat(seen).extracting(e -> e.key().orElse(null)).containsExactly("bugs");
        assertThat(dead.getEnvelope().getRoutingKey()).isEqualTo("toons.added");
        assertThat(headers(dead)).containsEntry("cloudEvents:partitionkey", "bugs")
                .containsEntry(DeadLetterHeaders.REASON, "exhausted");
        assertThat(dead.getProps().getMessageId()).isEqualTo("ce-1");
    }

    @Test
    @DisplayName("On a plain channel keyed by routing key, the event's key is the routing key and the dead letter keeps both")
    void plainChannelKeyedByRoutingKey() throws Exception {
        String destination = unique("plain");
        List<Event<Toon>> seen = new CopyOnWriteArrayList<>();
        failingApp(destination, seen, "twelvefold.channels.toons.format", "plain",
                "twelvefold.channels.toons.rabbitmq.key", "routing-key");
        publish(destination, "daffy", null, "{\"name\":\"Daffy\",\"order\":2}");

        GetResponse dead = deadLetter(destination);
        assertThat(seen).extracting(e -> e.key().orElse(null)).containsExactly("daffy");
        assertThat(dead.getEnvelope().getRoutingKey()).isEqualTo("daffy");
        assertThat(headers(dead)).as("a plain dead letter: its key, the dead-letter headers, nothing of CloudEvents")
                .containsEntry("cloudEvents:partitionkey", "daffy")
                .doesNotContainKeys("cloudEvents:id", "cloudEvents:source", "cloudEvents:specversion");
    }

    @Test
    @DisplayName("A plain message retried on the broker keeps its message id (the event id) on the copy, and its key and routing key through the copy to its dead letter")
    void retryCopyKeepsEverything() throws Exception {
        String destination = unique("retried");
        List<Event<Toon>> seen = new CopyOnWriteArrayList<>();
        failingApp(destination, seen, "twelvefold.channels.toons.format", "plain",
                "twelvefold.channels.toons.rabbitmq.key", "routing-key",
                "twelvefold.channels.toons.max-attempts", "2",
                "twelvefold.channels.toons.backoff.initial", "100ms",
                "twelvefold.channels.toons.backoff.jitter", "0",
                "twelvefold.channels.toons.retry.broker-delay-from", "100ms");
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.confirmSelect();
            c.basicPublish(destination, "porky", true, new AMQP.BasicProperties.Builder()
                    .contentType("application/json").messageId("toon-9").build(),
                    "{\"name\":\"Porky\",\"order\":3}".getBytes(UTF_8));
            c.waitForConfirmsOrDie(10_000);
        }

        GetResponse dead = deadLetter(destination);
        assertThat(seen).as("attempts").hasSize(2);
        assertThat(seen).extracting(Event::id).as("event ids: the message id, on the original and on the copy")
                .containsExactly("toon-9", "toon-9");
        assertThat(seen).extracting(e -> e.key().orElse(null)).containsExactly("porky", "porky");
        assertThat(dead.getEnvelope().getRoutingKey()).isEqualTo("porky");
        assertThat(headers(dead)).containsEntry("cloudEvents:partitionkey", "porky")
                .containsEntry(DeadLetterHeaders.ATTEMPTS, "2");
    }
}
