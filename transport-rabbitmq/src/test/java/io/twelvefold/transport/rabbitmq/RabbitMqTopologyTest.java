package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The objects a subscription declares, declared without waiting for each reply, on a real broker. */
class RabbitMqTopologyTest {
    private static final MessageHandler IGNORE = message -> { };

    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    private static String unique(String prefix) {
        return "topology-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Transport transport(String... more) {
        Map<String, String> properties = new java.util.HashMap<>(Map.of("uri", RabbitMqBroker.uri()));
        for (int i = 0; i + 1 < more.length; i += 2) {
            properties.put(more[i], more[i + 1]);
        }
        return RabbitMqBroker.provider().create(new TestContext(properties));
    }

    @Test
    @DisplayName("A subscription declares its exchanges, both queues with their arguments, and both bindings")
    void declaresEverything() throws Exception {
        String destination = unique("d");
        try (Transport transport = transport("queue-type", "quorum", "max-deliveries", "4")) {
            transport.subscribe(new SubscriptionRequest(destination, "g", 10), IGNORE).close();
        }
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.exchangeDeclarePassive(destination);
            c.exchangeDeclarePassive(destination + ".dlq");
            // an equivalent declaration is accepted (a different one would close the channel)
            c.queueDeclare(destination + ".g", true, false, false, Map.of("x-queue-type", "quorum",
                    "x-dead-letter-exchange", destination + ".dlq", "x-delivery-limit", 4));
            // the dead letters' queue is terminal: no dead-letter exchange, no delivery limit
            c.queueDeclare(destination + ".dlq.g", true, false, false, Map.of("x-queue-type", "quorum"));
            // both bindings: a message to each exchange lands in its queue
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2).build();
            c.confirmSelect();
            c.basicPublish(destination, "k", true, persistent, "live".getBytes(StandardCharsets.UTF_8));
            c.basicPublish(destination + ".dlq", "k", true, persistent, "dead".getBytes(StandardCharsets.UTF_8));
            c.waitForConfirmsOrDie(10_000);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(c.queueDeclarePassive(destination + ".g").getMessageCount()).as("in the group's queue")
                        .isEqualTo(1);
                assertThat(c.queueDeclarePassive(destination + ".dlq.g").getMessageCount()).as("in the dead letters")
                        .isEqualTo(1);
            });
        }
    }

    @Test
    @DisplayName("A declaration the broker refuses fails the subscription with the broker's reason, and the next one works")
    void refusedDeclaration() throws Exception {
        String destination = unique("d");
        try (Transport classic = transport();
                Subscription s = classic.subscribe(new SubscriptionRequest(destination, "g", 10), IGNORE);
                Transport quorum = transport("queue-type", "quorum")) {
            assertThatThrownBy(() -> quorum.subscribe(new SubscriptionRequest(destination, "g", 10), IGNORE))
                    .isInstanceOf(TransportException.class)
                    // the first refused declaration is the dead-letter queue, declared before the group's own
                    .hasMessage("RabbitMQ refused to declare the queues of group 'g' on '" + destination + "': 406 "
                            + "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue '" + destination
                            + ".dlq.g' in vhost '/': received 'quorum' but current is 'classic'; an object of that name "
                            + "may exist with other arguments (queue-type, ordering): delete it or use another group");
            try (Subscription other = quorum.subscribe(new SubscriptionRequest(destination, "other", 10), IGNORE)) {
                assertThat(quorum.connected()).isTrue();
            }
        }
    }
}
