package io.twelvefold.transport.rabbitmq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.data.BytesCloudEventData;
import io.cloudevents.core.extensions.DistributedTracingExtension;
import io.cloudevents.core.message.impl.BaseGenericBinaryMessageReaderImpl;
import io.cloudevents.core.provider.ExtensionProvider;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What other software sees of Twelvefold's messages and what Twelvefold reads of theirs: the
 * CloudEvents SDK reads an emitted event (binary mode over the {@code cloudEvents:} headers), a plain
 * amqp-client producer feeds a {@code plain} channel through an operator's queue, a structured-mode
 * CloudEvent is read on a default channel, and a {@code plain} output carries no CloudEvents header.
 */
class RabbitMqFormatsTest {
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private final List<App> apps = new ArrayList<>();
    private final List<String> operatorQueues = new ArrayList<>();

    /** A payload: its CloudEvents type is derived from its class. */
    record ToonAdded(String name) {
    }

    /** The front end's message, {"Name","Order"}. */
    record Toon(String Name, int Order) {
    }

    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterEach
    void cleanUp() throws Exception {
        apps.forEach(App::close);
        try (Connection connection = RabbitMqBroker.connect()) {
            for (String queue : operatorQueues) {
                try (Channel c = connection.createChannel()) {
                    c.queueDelete(queue);
                } catch (IOException e) {
                    // gone already
                }
            }
        }
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    private static String unique(String prefix) {
        return "formats-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private App start(App.Builder builder) {
        App app = builder.build();
        apps.add(app);
        return app.start();
    }

    /** A queue of the test, bound to an exchange with '#', or fed through the default exchange. */
    private String queue(String exchange) throws Exception {
        String queue = unique("queue");
        operatorQueues.add(queue);
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.queueDeclare(queue, true, false, false, Map.of());
            if (exchange != null) {
                c.queueBind(queue, exchange, "#");
            }
        }
        return queue;
    }

    private static GetResponse take(String queue) throws Exception {
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            await("a message in " + queue).atMost(Duration.ofSeconds(30))
                    .until(() -> c.queueDeclarePassive(queue).getMessageCount() > 0);
            return c.basicGet(queue, true);
        }
    }

    /** The CloudEvents SDK's generic binary-mode reader over AMQP 0-9-1 headers (the SDK has no AMQP 0-9-1 binding). */
    private static final class AmqpBinaryReader extends BaseGenericBinaryMessageReaderImpl<String, Object> {
        private final AMQP.BasicProperties properties;

        AmqpBinaryReader(AMQP.BasicProperties properties, byte[] body) {
            super(SpecVersion.parse(String.valueOf(properties.getHeaders().get("cloudEvents:specversion"))),
                    BytesCloudEventData.wrap(body));
            this.properties = properties;
        }

        @Override
        protected boolean isContentTypeHeader(String key) {
            return key.equals("content-type");
        }

        @Override
        protected boolean isCloudEventsHeader(String key) {
            return key.startsWith("cloudEvents:") && !key.equals("cloudEvents:specversion");
        }

        @Override
        protected String toCloudEventsKey(String key) {
            return key.substring("cloudEvents:".length());
        }

        @Override
        protected void forEachHeader(BiConsumer<String, Object> fn) {
            if (properties.getContentType() != null) {
                fn.accept("content-type", properties.getContentType());
            }
            properties.getHeaders().forEach(fn);
        }

        @Override
        protected String toCloudEventsValue(Object value) {
            return String.valueOf(value);
        }
    }

    @Test
    @DisplayName("The CloudEvents SDK reads an emitted event: id, source /<twelvefold.name>, a type from the payload class, the distributed-tracing extension")
    void sdkReadsAnEmittedEvent() throws Exception {
        String destination = unique("emitted");
        String name = unique("app");
        App app = start(RabbitMqBroker.app(name)
                .output("toons")
                .config("twelvefold.channels.toons.destination", destination));
        String probe = queue(destination);
        app.publisher().publish("toons", "bugs", new ToonAdded("Bugs")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        GetResponse got = take(probe);
        CloudEvent event = new AmqpBinaryReader(got.getProps(), got.getBody()).toEvent();
        assertThat(event.getSpecVersion()).isEqualTo(SpecVersion.V1);
        assertThat(event.getId()).isNotBlank().isEqualTo(got.getProps().getMessageId());
        assertThat(event.getSource()).hasToString("/" + name);
        assertThat(event.getType()).isEqualTo("io.twelvefold.transport.rabbitmq.toon-added");
        assertThat(event.getDataContentType()).isEqualTo("application/json");
        assertThat(event.getTime()).isNotNull();
        assertThat(event.getExtension("partitionkey")).isEqualTo("bugs");
        assertThat(new String(event.getData().toBytes(), UTF_8)).isEqualTo("{\"name\":\"Bugs\"}");
        DistributedTracingExtension tracing = ExtensionProvider.getInstance()
                .parseExtension(DistributedTracingExtension.class, event);
        assertThat(tracing).as("the distributed-tracing extension").isNotNull();
        assertThat(tracing.getTraceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
    }

    @Test
    @DisplayName("A plain producer's JSON, through the default exchange to an operator's queue, feeds a plain channel: ids from message-id, time from timestamp")
    void plainProducerFeedsAPlainChannel() throws Exception {
        String queue = queue(null);
        List<Event<Toon>> received = new CopyOnWriteArrayList<>();
        start(RabbitMqBroker.app(unique("app"))
                .config("twelvefold.channels.toons.format", "plain")
                .config("twelvefold.channels.toons.rabbitmq.queue", queue)
                .processor("toons", Toon.class, (event, ctx) -> received.add(event)));
        Instant stamped = Instant.parse("2026-12-03T10:15:30Z");
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.basicPublish("", queue, new AMQP.BasicProperties.Builder().messageId("toon-1")
                    .timestamp(Date.from(stamped)).build(), "{\"Name\":\"Bugs\",\"Order\":1}".getBytes(UTF_8));
            c.basicPublish("", queue, null, "{\"Name\":\"Daffy\",\"Order\":2}".getBytes(UTF_8));
        }
        await("both messages").atMost(Duration.ofSeconds(30)).until(() -> received.size() == 2);
        // unkeyed messages run concurrently: find each by its payload
        Event<Toon> first = received.stream().filter(e -> e.data().Name().equals("Bugs")).findFirst().orElseThrow();
        assertThat(first.data()).isEqualTo(new Toon("Bugs", 1));
        assertThat(first.id()).isEqualTo("toon-1");
        assertThat(first.time()).contains(OffsetDateTime.ofInstant(stamped, ZoneOffset.UTC));
        assertThat(first.source()).as("source: the channel's destination").isEqualTo("toons");
        assertThat(first.type()).isEqualTo("io.twelvefold.transport.rabbitmq.toon");
        assertThat(first.key()).isEmpty();
        Event<Toon> second = received.stream().filter(e -> e.data().Name().equals("Daffy")).findFirst().orElseThrow();
        assertThat(second.data()).isEqualTo(new Toon("Daffy", 2));
        assertThat(second.id()).as("a new id for a message without message-id").isNotBlank().isNotEqualTo("toon-1");
        assertThat(second.time()).isEmpty();
    }

    @Test
    @DisplayName("A structured-mode CloudEvent (application/cloudevents+json) is read on a default channel")
    void structuredModeOnADefaultChannel() throws Exception {
        String destination = unique("structured");
        List<Event<ToonAdded>> received = new CopyOnWriteArrayList<>();
        start(RabbitMqBroker.app(unique("app"))
                .config("twelvefold.channels.toons.destination", destination)
                .processor("toons", ToonAdded.class, (event, ctx) -> received.add(event)));
        String body = "{\"specversion\":\"1.0\",\"id\":\"s-1\",\"source\":\"/front-end\",\"type\":\"com.example.toon-added\","
                + "\"datacontenttype\":\"application/json\",\"traceparent\":\"" + TRACEPARENT + "\","
                + "\"data\":{\"name\":\"Bugs\"}}";
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.basicPublish(destination, "", new AMQP.BasicProperties.Builder()
                    .contentType("application/cloudevents+json; charset=UTF-8").build(), body.getBytes(UTF_8));
        }
        await("the event").atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
        Event<ToonAdded> event = received.get(0);
        assertThat(event.id()).isEqualTo("s-1");
        assertThat(event.source()).isEqualTo("/front-end");
        assertThat(event.type()).isEqualTo("com.example.toon-added");
        assertThat(event.data()).isEqualTo(new ToonAdded("Bugs"));
        assertThat(event.header("traceparent")).contains(TRACEPARENT);
    }

    @Test
    @DisplayName("A plain output carries content-type, message-id and its headers as they are: no CloudEvents header, no partition key")
    void plainOutput() throws Exception {
        String destination = unique("plain-out");
        App app = start(RabbitMqBroker.app(unique("app"))
                .output("toons")
                .config("twelvefold.channels.toons.destination", destination)
                .config("twelvefold.channels.toons.format", "plain"));
        String probe = queue(destination);
        Event<ToonAdded> event = Event.builder(new ToonAdded("Bugs")).id("plain-7").source("/ignored").type("ignored")
                .key("bugs").header("traceparent", TRACEPARENT).header("x-mine", "1").build();
        app.publisher().publish("toons", event).toCompletableFuture().get(30, TimeUnit.SECONDS);

        GetResponse got = take(probe);
        assertThat(got.getEnvelope().getRoutingKey()).as("routing key: the key").isEqualTo("bugs");
        assertThat(got.getProps().getMessageId()).isEqualTo("plain-7");
        assertThat(got.getProps().getContentType()).isEqualTo("application/json");
        Map<String, String> headers = new LinkedHashMap<>();
        got.getProps().getHeaders().forEach((k, v) -> headers.put(k, String.valueOf(v)));
        assertThat(headers).containsOnlyKeys("traceparent", "x-mine").containsEntry("traceparent", TRACEPARENT);
        assertThat(new String(got.getBody(), UTF_8)).isEqualTo("{\"name\":\"Bugs\"}");
    }
}
