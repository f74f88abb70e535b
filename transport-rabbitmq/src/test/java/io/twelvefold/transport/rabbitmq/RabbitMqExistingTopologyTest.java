package io.twelvefold.transport.rabbitmq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.MessageCollector;
import io.twelvefold.testkit.TransportConformanceKit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Queues and exchanges the transport did not make: consumed and published to as they are, never
 * redeclared, checked to exist; and {@code declare=false}, where the transport declares nothing.
 */
class RabbitMqExistingTopologyTest extends TransportConformanceKit {
    /** An exchange or a queue, by passive declarations. */
    @Override
    protected java.util.Optional<Boolean> exists(String name) {
        return RabbitMqBroker.kitExists(name);
    }

    private static final String CHANNEL = "toons";
    private final List<String> operatorQueues = new ArrayList<>();
    private final List<String> operatorExchanges = new ArrayList<>();

    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    /** Deletes what the test created as the operator. */
    @AfterEach
    void deleteOperatorObjects() throws Exception {
        try (Connection connection = RabbitMqBroker.connect()) {
            for (String queue : operatorQueues) {
                try (Channel c = connection.createChannel()) {
                    c.queueDelete(queue);
                } catch (IOException e) {
                    // gone already
                }
            }
            for (String exchange : operatorExchanges) {
                try (Channel c = connection.createChannel()) {
                    c.exchangeDelete(exchange);
                } catch (IOException e) {
                    // gone already
                }
            }
        }
    }

    @Override
    protected TransportProvider provider() {
        return RabbitMqBroker.provider();
    }

    @Override
    protected Map<String, String> config() {
        return RabbitMqBroker.config();
    }

    /** Declares a queue as an operator would, with the given arguments. */
    private String operatorQueue(Map<String, Object> arguments) throws Exception {
        String queue = uniqueName("operator-queue");
        operatorQueues.add(queue);
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.queueDeclare(queue, true, false, false, arguments);
        }
        return queue;
    }

    /** Declares an exchange as an operator would. */
    private String operatorExchange(String type) throws Exception {
        String exchange = uniqueName("operator-exchange");
        operatorExchanges.add(exchange);
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.exchangeDeclare(exchange, type, true);
        }
        return exchange;
    }

    /** Publishes with the plain client. */
    private static void publish(String exchange, String routingKey, AMQP.BasicProperties properties, String body)
            throws Exception {
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.confirmSelect();
            c.basicPublish(exchange, routingKey, true, properties, body.getBytes(UTF_8));
            c.waitForConfirmsOrDie(10_000);
        }
    }

    private static String missing(String what) {
        return "Channel '" + CHANNEL + "' needs RabbitMQ objects that are missing: " + what
                + "; create them (see the topology in docs/transports/rabbitmq.md) or change the setting";
    }

    private static String option(String key) {
        return "twelvefold.channels." + CHANNEL + ".rabbitmq." + key + " (TWELVEFOLD_CHANNELS_TOONS_RABBITMQ_"
                + key.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + ")";
    }

    @Test
    @DisplayName("An operator's queue is consumed as it is: no exchange, binding or queue declared for it, its arguments untouched")
    void operatorQueueConsumedAsItIs() throws Exception {
        Map<String, Object> arguments = Map.of("x-queue-type", "classic", "x-max-length", 1000);
        String queue = operatorQueue(arguments);
        String destination = uniqueName("toons");
        Set<String> declared = ConcurrentHashMap.newKeySet();
        MessageCollector collector = MessageCollector.create();
        try (Transport transport = new RabbitMqTransportProvider(recording(declared)).create(
                new TestContext(Map.of("uri", RabbitMqBroker.uri())));
                Subscription s = transport.subscribe(new SubscriptionRequest(CHANNEL, destination, "g", 10,
                        Map.of("queue", queue)), collector)) {
            publish("", queue, new AMQP.BasicProperties.Builder().contentType("application/json").messageId("toon-1")
                    .build(), "{\"Name\":\"Bugs\",\"Order\":1}");
            IncomingMessage m = awaitMessages(collector, 1).get(0);
            assertThat(m.messageId()).isEqualTo("toon-1");
            assertThat(m.key()).as("key of a message through the default exchange").isNull();
            assertThat(m.headers()).as("headers: nothing but what the producer set").isEmpty();
            assertThat(m.attributes()).containsExactly(Map.entry("datacontenttype", "application/json"));
        }
        assertThat(declared).as("declared by the transport: the group's dead-letter objects only")
                .containsExactlyInAnyOrder(destination + ".dlq", destination + ".dlq.g");
        assertThat(RabbitMqBroker.exists(false, destination)).as("an exchange named after the destination").isFalse();
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            // an equivalent declaration is accepted: the arguments are the operator's
            c.queueDeclare(queue, true, false, false, arguments);
        }
        String listed = RabbitMqBroker.rabbitmqctlOutput("-q", "list_queues", "name", "arguments");
        if (listed != null) {
            String line = listed.lines().filter(l -> l.startsWith(queue + "\t")).findFirst().orElseThrow();
            assertThat(line).as("rabbitmqctl list_queues").contains("x-max-length").doesNotContain("x-dead-letter");
        }
    }

    @Test
    @DisplayName("A plain message to the default exchange reaches the queue its routing key names, with AMQP properties only")
    void defaultExchange() throws Exception {
        String queue = operatorQueue(Map.of());
        try (Publisher publisher = rawTransport().publisher(new PublisherRequest(CHANNEL, "unused",
                Map.of("exchange", "amq.default", "queue", queue)))) {
            publisher.send(new OutgoingMessage("k-1", Map.of("id", "plain-1", "datacontenttype", "application/json"),
                    Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x-mine", "1"),
                    "{\"Name\":\"Daffy\"}".getBytes(UTF_8))).get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            GetResponse got = c.basicGet(queue, true);
            assertThat(got).as("the message in " + queue).isNotNull();
            assertThat(got.getEnvelope().getExchange()).isEmpty();
            assertThat(got.getEnvelope().getRoutingKey()).isEqualTo(queue);
            assertThat(got.getProps().getMessageId()).isEqualTo("plain-1");
            assertThat(got.getProps().getContentType()).isEqualTo("application/json");
            assertThat(got.getProps().getDeliveryMode()).isEqualTo(2);
            Map<String, String> headers = new LinkedHashMap<>();
            got.getProps().getHeaders().forEach((k, v) -> headers.put(k, String.valueOf(v)));
            assertThat(headers).as("headers: no cloudEvents:*, no partition key").containsOnlyKeys("traceparent", "x-mine");
            assertThat(new String(got.getBody(), UTF_8)).isEqualTo("{\"Name\":\"Daffy\"}");
        }
    }

    @Test
    @DisplayName("An operator's exchange is published to as it is, with the channel's fixed routing key")
    void operatorExchangeWithRoutingKey() throws Exception {
        String exchange = operatorExchange("direct");
        String queue = operatorQueue(Map.of());
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.queueBind(queue, exchange, "toons.added");
        }
        try (Publisher publisher = rawTransport().publisher(new PublisherRequest(CHANNEL, "unused",
                Map.of("exchange", exchange, "routing-key", "toons.added")))) {
            publisher.send(new OutgoingMessage("bugs", attributes("ce-1"), Map.of(), "{}".getBytes(UTF_8)))
                    .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            GetResponse got = c.basicGet(queue, true);
            assertThat(got.getEnvelope().getRoutingKey()).isEqualTo("toons.added");
            assertThat(String.valueOf(got.getProps().getHeaders().get("cloudEvents:partitionkey"))).isEqualTo("bugs");
            // still a direct exchange: an equivalent declaration is accepted
            c.exchangeDeclare(exchange, "direct", true);
        }
    }

    @Test
    @DisplayName("A group's own queue binds to an operator's exchange with the routing key as binding key; the key comes from the header, or the routing key when asked")
    void ownQueueOnOperatorExchange() throws Exception {
        String exchange = operatorExchange("topic");
        String destination = uniqueName("toons");
        MessageCollector byHeader = MessageCollector.create();
        MessageCollector byRoutingKey = MessageCollector.create();
        rawTransport().subscribe(new SubscriptionRequest(CHANNEL, destination, "header", 10,
                Map.of("exchange", exchange, "routing-key", "toons.*")), byHeader);
        rawTransport().subscribe(new SubscriptionRequest(CHANNEL, destination, "routing", 10,
                Map.of("exchange", exchange, "routing-key", "toons.*", "key", "routing-key")), byRoutingKey);
        publish(exchange, "other.added", new AMQP.BasicProperties(), "{}");
        publish(exchange, "toons.added", new AMQP.BasicProperties(), "{}");
        IncomingMessage viaHeader = awaitMessages(byHeader, 1).get(0);
        IncomingMessage viaRoutingKey = awaitMessages(byRoutingKey, 1).get(0);
        assertThat(viaHeader.key()).isNull();
        assertThat(viaHeader.headers()).containsEntry("twelvefold-routing-key", "toons.added");
        assertThat(viaRoutingKey.key()).isEqualTo("toons.added");
        await("nothing else bound").during(java.time.Duration.ofMillis(300)).until(() -> byHeader.size() == 1);
        assertThat(RabbitMqBroker.exists(false, destination)).as("an exchange named after the destination").isFalse();
    }

    @Test
    @DisplayName("A missing queue, exchange or default-exchange queue named by a channel option fails with one line naming it and the option")
    void missingOperatorObjects() {
        String queue = uniqueName("missing-queue");
        String exchange = uniqueName("missing-exchange");
        assertThatThrownBy(() -> rawTransport().subscribe(new SubscriptionRequest(CHANNEL, "d", "g", 10,
                Map.of("queue", queue)), message -> { }))
                .isInstanceOf(TransportException.class)
                .hasMessage(missing("queue '" + queue + "' (named by " + option("queue") + ")"));
        assertThatThrownBy(() -> rawTransport().publisher(new PublisherRequest(CHANNEL, "d",
                Map.of("exchange", exchange))))
                .isInstanceOf(TransportException.class)
                .hasMessage(missing("exchange '" + exchange + "' (named by " + option("exchange") + ")"));
        assertThatThrownBy(() -> rawTransport().publisher(new PublisherRequest(CHANNEL, "d",
                Map.of("exchange", "amq.default", "routing-key", queue))))
                .isInstanceOf(TransportException.class)
                .hasMessage(missing("queue '" + queue + "' (named by " + option("routing-key") + ")"));
    }

    @Test
    @DisplayName("declare=false declares nothing: every missing object is named in one line, and once they exist the channel works")
    void declareNothing() throws Exception {
        String d = uniqueName("nodeclare");
        Set<String> declared = ConcurrentHashMap.newKeySet();
        TransportProvider provider = new RabbitMqTransportProvider(recording(declared));
        try (Transport transport = provider.create(new TestContext(Map.of("uri", RabbitMqBroker.uri(),
                "declare", "false")))) {
            String declareOff = "the transport declares nothing: twelvefold.rabbitmq.declare (TWELVEFOLD_RABBITMQ_DECLARE)"
                    + " is false";
            assertThatThrownBy(() -> transport.subscribe(new SubscriptionRequest(CHANNEL, d, "g", 10, Map.of()),
                    message -> { }))
                    .isInstanceOf(TransportException.class)
                    .hasMessage(missing("exchange '" + d + "' (" + declareOff + "), queue '" + d + ".g' (" + declareOff
                            + "), exchange '" + d + ".dlq' (" + declareOff + "), queue '" + d + ".dlq.g' (" + declareOff
                            + ")"));
            assertThatThrownBy(() -> transport.publisher(new PublisherRequest(CHANNEL, d, Map.of())))
                    .isInstanceOf(TransportException.class)
                    .hasMessage(missing("exchange '" + d + "' (" + declareOff + ")"));

            operatorExchanges.addAll(List.of(d, d + ".dlq"));
            operatorQueues.addAll(List.of(d + ".g", d + ".dlq.g"));
            try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
                c.exchangeDeclare(d, "topic", true);
                c.exchangeDeclare(d + ".dlq", "topic", true);
                c.queueDeclare(d + ".g", true, false, false, Map.of());
                c.queueBind(d + ".g", d, "#");
                c.queueDeclare(d + ".dlq.g", true, false, false, Map.of());
            }
            List<IncomingMessage> received = new CopyOnWriteArrayList<>();
            MessageHandler handler = received::add;
            try (Subscription s = transport.subscribe(new SubscriptionRequest(CHANNEL, d, "g", 10, Map.of()), handler);
                    Publisher p = transport.publisher(new PublisherRequest(CHANNEL, d, Map.of()));
                    Publisher dlq = transport.publisher(new PublisherRequest(CHANNEL, d + ".dlq", Map.of()))) {
                p.send(new OutgoingMessage("k", attributes("nd-1"), Map.of(), "{}".getBytes(UTF_8)))
                        .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
                await("the message").until(() -> received.size() == 1);
                received.get(0).ack();
            }
        }
        assertThat(declared).as("declared by the transport").isEmpty();
    }

    @Test
    @DisplayName("The redelivery guard on an operator's queue publishes the message to <destination>.dlq itself, with the broker's death headers, then acknowledges it")
    void guardOnOperatorQueue() throws Exception {
        String queue = operatorQueue(Map.of());
        String destination = uniqueName("guarded");
        try (Transport transport = RabbitMqBroker.provider().create(new TestContext(Map.of("uri", RabbitMqBroker.uri(),
                "max-deliveries", "2")))) {
            SubscriptionRequest request = new SubscriptionRequest(CHANNEL, destination, "g", 10, Map.of("queue", queue));
            List<Integer> counts = new CopyOnWriteArrayList<>();
            MessageHandler crashing = message -> counts.add(message.deliveryCount());
            Subscription member = transport.subscribe(request, crashing);
            publish("", queue, new AMQP.BasicProperties.Builder().messageId("poison-1").build(), "{}");
            for (int delivery = 1; delivery <= 2; delivery++) {
                int expected = delivery;
                await("delivery " + expected).until(() -> counts.size() >= expected);
                member.close(); // the broker requeues it, as when the process dies
                member = transport.subscribe(request, crashing);
            }
            try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
                await("the dead letter").until(() -> c.queueDeclarePassive(destination + ".dlq.g").getMessageCount() == 1);
                GetResponse dead = c.basicGet(destination + ".dlq.g", true);
                Map<String, Object> headers = new HashMap<>(dead.getProps().getHeaders());
                assertThat(String.valueOf(headers.get("x-first-death-reason"))).isEqualTo("rejected");
                assertThat(String.valueOf(headers.get("x-first-death-queue"))).isEqualTo(queue);
                assertThat(dead.getProps().getMessageId()).isEqualTo("poison-1");
                await("the operator's queue emptied").until(() -> c.queueDeclarePassive(queue).getMessageCount() == 0);
            }
            member.close();
            assertThat(counts).containsExactly(1, 2);
        }
    }

    private static RabbitMqTransportProvider.Declarations recording(Set<String> into) {
        return new RabbitMqTransportProvider.Declarations() {
            @Override
            public void exchange(String name) {
                into.add(name);
                RabbitMqBroker.DECLARATIONS.exchange(name);
            }

            @Override
            public void queue(String name) {
                into.add(name);
                RabbitMqBroker.DECLARATIONS.queue(name);
            }
        };
    }
}
