package io.twelvefold.transport.rabbitmq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.MessageCollector;
import io.twelvefold.testkit.TransportConformanceKit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What travels on the wire: the CloudEvents AMQP binding, both ways, and the topology. */
class RabbitMqWireFormatTest extends TransportConformanceKit {
    /** An exchange or a queue, by passive declarations. */
    @Override
    protected java.util.Optional<Boolean> exists(String name) {
        return RabbitMqBroker.kitExists(name);
    }


    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    @Override
    protected TransportProvider provider() {
        return RabbitMqBroker.provider();
    }

    @Override
    protected Map<String, String> config() {
        return RabbitMqBroker.config();
    }

    @Test
    @DisplayName("A sent CloudEvent is persistent, carries cloudEvents:-prefixed attributes and tracing headers, content-type, the id as message-id, the key as cloudEvents:partitionkey and routing key, and the other headers as they are")
    void outgoingMapping() throws Exception {
        String destination = uniqueName("wire-out");
        String queue = uniqueName("probe");
        try (Connection connection = RabbitMqBroker.connect(); Channel channel = connection.createChannel()) {
            rawTransport().publisher(PublisherRequest.of(destination)).close(); // declares the exchange
            channel.queueDeclare(queue, false, true, true, Map.of());
            channel.queueBind(queue, destination, "#");
            Map<String, String> attributes = attributes("id-1");
            attributes.put("time", "2024-05-04T12:30:15.123+02:00");
            attributes.put("subject", "orders/k");
            send(destination, new OutgoingMessage("key-1", attributes, Map.of("traceparent", "00-abc-def-01",
                    "tracestate", "vendor=1", "x-custom", "mine"), "{}".getBytes(UTF_8)));

            GetResponse got = channel.basicGet(queue, true);
            assertThat(got).as("the message in the probe queue").isNotNull();
            AMQP.BasicProperties p = got.getProps();
            Map<String, String> headers = new LinkedHashMap<>();
            p.getHeaders().forEach((k, v) -> headers.put(k, String.valueOf(v)));
            assertThat(p.getDeliveryMode()).as("delivery-mode (persistent)").isEqualTo(2);
            assertThat(p.getContentType()).as("content-type").isEqualTo("application/json");
            assertThat(p.getMessageId()).as("message-id").isEqualTo("id-1");
            assertThat(got.getEnvelope().getRoutingKey()).as("routing key").isEqualTo("key-1");
            assertThat(headers).containsEntry("cloudEvents:id", "id-1")
                    .containsEntry("cloudEvents:source", SOURCE)
                    .containsEntry("cloudEvents:type", TYPE)
                    .containsEntry("cloudEvents:specversion", "1.0")
                    .containsEntry("cloudEvents:time", "2024-05-04T12:30:15.123+02:00")
                    .containsEntry("cloudEvents:subject", "orders/k")
                    .containsEntry("cloudEvents:partitionkey", "key-1")
                    .containsEntry("cloudEvents:traceparent", "00-abc-def-01")
                    .containsEntry("cloudEvents:tracestate", "vendor=1")
                    .containsEntry("x-custom", "mine")
                    .hasSize(10);
            assertThat(new String(got.getBody(), UTF_8)).isEqualTo("{}");
        }
    }

    @Test
    @DisplayName("A message from another CloudEvents producer (cloudEvents_ prefix, an extension) reads as attributes, key and headers")
    void incomingMapping() throws Exception {
        String destination = uniqueName("wire-in");
        MessageCollector collector = collect(destination);
        try (Connection connection = RabbitMqBroker.connect(); Channel channel = connection.createChannel()) {
            Map<String, Object> headers = new LinkedHashMap<>();
            headers.put("cloudEvents_id", "foreign-1");
            headers.put("cloudEvents_source", "/elsewhere");
            headers.put("cloudEvents_type", "com.example.thing");
            headers.put("cloudEvents_specversion", "1.0");
            headers.put("cloudEvents_partitionkey", "k-9");
            headers.put("cloudEvents:myextension", "ext value");
            headers.put("plain", 42);
            channel.basicPublish(destination, "k-9", new AMQP.BasicProperties.Builder()
                    .contentType("text/plain").headers(headers).build(), "hello".getBytes(UTF_8));
        }
        IncomingMessage m = awaitMessages(collector, 1).get(0);
        assertThat(m.attributes()).containsExactlyInAnyOrderEntriesOf(Map.of("id", "foreign-1", "source", "/elsewhere",
                "type", "com.example.thing", "specversion", "1.0", "datacontenttype", "text/plain"));
        assertThat(m.key()).isEqualTo("k-9");
        assertThat(m.headers()).containsExactlyInAnyOrderEntriesOf(Map.of("myextension", "ext value", "plain", "42",
                "twelvefold-routing-key", "k-9"));
        assertThat(m.deliveryCount()).isEqualTo(1);
        assertThat(m.partition()).isZero();
        assertThat(m.offset()).isPositive();
    }

    @Test
    @DisplayName("A send to a destination no group is bound to fails: returned as unroutable (mandatory)")
    void unroutableSendFails() throws Exception {
        String destination = uniqueName("nobody");
        try (Publisher publisher = rawTransport().publisher(PublisherRequest.of(destination))) {
            assertThatThrownBy(() -> publisher.send(new OutgoingMessage(null, attributes("id-2"), Map.of(),
                    "{}".getBytes(UTF_8))).get(timeout().toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TransportException.class)
                    .hasMessage("RabbitMQ returned the message sent to exchange '" + destination + "' as unroutable "
                            + "(312 NO_ROUTE): no queue is bound to it; start a consumer group on the destination or "
                            + "bind a queue");
        }
    }

    @Test
    @DisplayName("A return fails only its own send: matched by event id, exchange and routing key, without a header of ours")
    void returnsAreMatchedToTheirSend() throws Exception {
        String bound = uniqueName("bound");
        String nobody = uniqueName("nobody");
        MessageCollector collector = MessageCollector.create();
        try (var subscription = rawTransport().subscribe(new SubscriptionRequest(bound, uniqueName("group"), 10), collector);
                Publisher toBound = rawTransport().publisher(PublisherRequest.of(bound));
                Publisher toNobody = rawTransport().publisher(PublisherRequest.of(nobody))) {
            List<CompletableFuture<Void>> routed = new ArrayList<>();
            List<CompletableFuture<Void>> unroutable = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                // the same event ids on both exchanges, in flight together
                OutgoingMessage m = new OutgoingMessage("k", attributes("same-" + i), Map.of(), "{}".getBytes(UTF_8));
                routed.add(toBound.send(m));
                unroutable.add(toNobody.send(m));
            }
            CompletableFuture.allOf(routed.toArray(new CompletableFuture<?>[0]))
                    .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            for (CompletableFuture<Void> f : unroutable) {
                assertThatThrownBy(() -> f.get(timeout().toMillis(), TimeUnit.MILLISECONDS))
                        .cause().isInstanceOf(TransportException.class).hasMessageContaining("unroutable");
            }
            await("the 20 routed sends").until(() -> collector.size() == 20);
            assertThat(collector.messages()).allSatisfy(m -> assertThat(m.headers()).doesNotContainKey("twelvefold-publish-seq"));
        }
    }

    @Test
    @DisplayName("Plain messages' returns are matched by message-id, or by its absence: a returned plain message never passes for a stored one")
    void plainReturnsAreMatchedToo() throws Exception {
        String bound = uniqueName("bound");
        String nobody = uniqueName("nobody");
        MessageCollector collector = MessageCollector.create();
        try (var subscription = rawTransport().subscribe(new SubscriptionRequest(bound, uniqueName("group"), 10), collector);
                Publisher toBound = rawTransport().publisher(PublisherRequest.of(bound));
                Publisher toNobody = rawTransport().publisher(PublisherRequest.of(nobody))) {
            List<CompletableFuture<Void>> routed = new ArrayList<>();
            List<CompletableFuture<Void>> unroutable = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Map<String, String> attributes = i % 2 == 0 ? Map.of("id", "plain-" + i) : Map.of();
                OutgoingMessage m = new OutgoingMessage("k", attributes, Map.of(), "{}".getBytes(UTF_8));
                routed.add(toBound.send(m));
                unroutable.add(toNobody.send(m));
            }
            CompletableFuture.allOf(routed.toArray(new CompletableFuture<?>[0]))
                    .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            for (CompletableFuture<Void> f : unroutable) {
                assertThatThrownBy(() -> f.get(timeout().toMillis(), TimeUnit.MILLISECONDS))
                        .cause().isInstanceOf(TransportException.class).hasMessageContaining("unroutable");
            }
            await("the 10 routed sends").until(() -> collector.size() == 10);
            assertThat(collector.messages()).allSatisfy(m -> assertThat(m.attributes()).doesNotContainKey("id"));
            assertThat(collector.messages()).extracting(IncomingMessage::messageId)
                    .containsExactly("plain-0", null, "plain-2", null, "plain-4", null, "plain-6", null, "plain-8", null);
        }
    }

    @Test
    @DisplayName("A group's dead letters are kept from the moment the group exists, and a group of the same name on <destination>.dlq reads them")
    void deadLettersAreKeptForTheGroup() throws Exception {
        String destination = uniqueName("dlq-kept");
        String group = uniqueName("group");
        rawTransport().subscribe(new SubscriptionRequest(destination, group, 10), MessageCollector.create()).close();
        // the runtime publishes dead letters to <destination>.dlq while nobody reads them yet
        send(destination + ".dlq", new OutgoingMessage("k", attributes("dead-1"), Map.of(), "{}".getBytes(UTF_8)));

        MessageCollector replay = MessageCollector.create();
        rawTransport().subscribe(new SubscriptionRequest(destination + ".dlq", group, 10), replay);
        assertThat(awaitMessages(replay, 1).get(0).attributes().get("id")).isEqualTo("dead-1");
    }
}
