package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the provider does to start fast: the class warm-up and the two connections opened together. */
class RabbitMqStartUpTest {

    @ParameterizedTest(name = "env {0}, property {1}: {2}")
    @CsvSource(nullValues = "-", value = {
        "rabbitmq,-,true",
        "' RabbitMQ ',-,true",
        "kafka,-,false",
        "-,rabbitmq,true",
        "rabbitmq,inmemory,false",
        "kafka,rabbitmq,true",
        "-,-,false",
    })
    @DisplayName("warms up only when TWELVEFOLD_TRANSPORT or twelvefold.transport (which wins, as in the runtime) names it")
    void chosen(String environment, String property, boolean chosen) {
        assertThat(RabbitMqTransportProvider.chosen(environment, property)).isEqualTo(chosen);
    }

    @Test
    @DisplayName("every class of the warm-up links and initialises, and the warm-up runs once per JVM")
    void warmUpClasses() throws Exception {
        ClassLoader loader = RabbitMqTransportProvider.class.getClassLoader();
        for (String name : RabbitMqTransportProvider.WARM_UP_CLASSES) {
            assertThat(Class.forName(name, true, loader).getName()).isEqualTo(name);
        }
        RabbitMqTransportProvider.warmUp(false);
        assertThat(RabbitMqTransportProvider.warmUp(false)).as("a second warm-up").isFalse();
    }

    @Test
    @DisplayName("both connections open together; the publishing channels open beside the declarations and the "
            + "meters are registered after them; a broker that does not answer fails create")
    void connects() throws Exception {
        RabbitMqResilienceTest.TestContext context = new RabbitMqResilienceTest.TestContext(
                Map.of("uri", RabbitMqBroker.uri(), "connection-name", "start-up-test", "publisher-channels", "3"));
        String destination = "start-up-" + UUID.randomUUID().toString().substring(0, 8);
        try (Transport transport = RabbitMqBroker.provider().create(context);
                Subscription s = transport.subscribe(new SubscriptionRequest(destination, "g", 10), message -> { });
                Publisher publisher = transport.publisher(destination)) {
            await("the transport's meters, registered on another thread")
                    .atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(context.meterRegistry().get(RabbitMqMeters.CONNECTED).gauge().value())
                            .isEqualTo(1));
            for (int i = 0; i < 3; i++) {
                publisher.send(new OutgoingMessage("k" + i, Map.of("id", "id-" + i, "source", "/test",
                        "type", "test", "specversion", "1.0"), Map.of(), new byte[] {'1'})).get(10, TimeUnit.SECONDS);
            }
            assertThat(transport.connected()).isTrue();
        }
        RabbitMqBroker.deleteDeclared();
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(new RabbitMqResilienceTest.TestContext(
                Map.of("uri", "amqp://127.0.0.1:1"))))
                .isInstanceOf(TransportException.class)
                .hasMessageStartingWith("RabbitMQ at 'amqp://127.0.0.1:1' is not reachable: ")
                .hasMessageEndingWith("; check twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) and that the broker runs");
    }

    @Test
    @DisplayName("the early connections' settings come from the system properties, else the environment, else the defaults")
    void earlySettings() {
        Properties sys = new Properties();
        sys.setProperty("twelvefold.rabbitmq.connection-name", "from-property");
        Map<String, String> properties = RabbitMqTransportProvider.EarlyConnections.fromEnvironment(Map.of(
                "TWELVEFOLD_RABBITMQ_URI", "amqp://u:p@broker:5673/v",
                "TWELVEFOLD_RABBITMQ_CONNECTION_NAME", "from-env",
                "TWELVEFOLD_RABBITMQ_TLS_VERIFY_HOSTNAME", "false"), sys);
        assertThat(properties).containsEntry("uri", "amqp://u:p@broker:5673/v")
                .containsEntry("connection-name", "from-property")
                .containsEntry("tls.verify-hostname", "false")
                .containsEntry("queue-type", "classic")
                .doesNotContainKey("virtual-host");
    }

    @Test
    @DisplayName("create takes the connections opened early when the final configuration asks for the same ones")
    void earlyConnectionsTaken() throws Exception {
        String name = "early-" + UUID.randomUUID().toString().substring(0, 8);
        RabbitMqTransportProvider.EarlyConnections early = RabbitMqTransportProvider.EarlyConnections.open(
                Map.of("TWELVEFOLD_RABBITMQ_URI", RabbitMqBroker.uri(), "TWELVEFOLD_RABBITMQ_CONNECTION_NAME", name),
                new Properties());
        assertThat(early).as("early connections").isNotNull();
        com.rabbitmq.client.Connection[] connections = {early.publishing().get(10, TimeUnit.SECONDS),
                early.consuming().get(10, TimeUnit.SECONDS)};
        String destination = "early-" + UUID.randomUUID().toString().substring(0, 8);
        try (Transport transport = RabbitMqBroker.provider().create(new RabbitMqResilienceTest.TestContext(
                Map.of("uri", RabbitMqBroker.uri(), "connection-name", name)))) {
            assertThat(RabbitMqTransportProvider.EarlyConnections.pending()).as("still waiting to be claimed").isNull();
            try (Publisher publisher = transport.publisher(destination);
                    Subscription s = transport.subscribe(new SubscriptionRequest(destination, "g", 10), message -> { })) {
                publisher.send(new OutgoingMessage("k", Map.of("id", "id-1", "source", "/test", "type", "test",
                        "specversion", "1.0"), Map.of(), new byte[] {'1'})).get(10, TimeUnit.SECONDS);
            }
            assertThat(connections).allMatch(com.rabbitmq.client.Connection::isOpen);
        }
        assertThat(connections).as("closed with the transport that took them").noneMatch(com.rabbitmq.client.Connection::isOpen);
        RabbitMqBroker.deleteDeclared();
    }

    @Test
    @DisplayName("connections opened early for other settings, or not claimed in time, are closed; create connects itself")
    void earlyConnectionsNotTaken() throws Exception {
        String name = "early-" + UUID.randomUUID().toString().substring(0, 8);
        RabbitMqTransportProvider.EarlyConnections early = RabbitMqTransportProvider.EarlyConnections.open(
                Map.of("TWELVEFOLD_RABBITMQ_URI", RabbitMqBroker.uri(), "TWELVEFOLD_RABBITMQ_CONNECTION_NAME", name),
                new Properties());
        assertThat(early).isNotNull();
        com.rabbitmq.client.Connection[] connections = {early.publishing().get(10, TimeUnit.SECONDS),
                early.consuming().get(10, TimeUnit.SECONDS)};
        try (Transport transport = RabbitMqBroker.provider().create(new RabbitMqResilienceTest.TestContext(
                Map.of("uri", RabbitMqBroker.uri(), "connection-name", name + "-other")))) {
            assertThat(transport.connected()).isTrue();
            await("the early connections to close").atMost(Duration.ofSeconds(10))
                    .until(() -> !connections[0].isOpen() && !connections[1].isOpen());
        }

        RabbitMqTransportProvider.EarlyConnections unclaimed = RabbitMqTransportProvider.EarlyConnections.open(
                Map.of("TWELVEFOLD_RABBITMQ_URI", RabbitMqBroker.uri(), "TWELVEFOLD_RABBITMQ_CONNECTION_NAME", name),
                new Properties());
        assertThat(unclaimed).isNotNull();
        com.rabbitmq.client.Connection waiting = unclaimed.publishing().get(10, TimeUnit.SECONDS);
        unclaimed.closeUnlessClaimed(1);
        assertThat(RabbitMqTransportProvider.EarlyConnections.pending()).isNull();
        await("the unclaimed connections to close").atMost(Duration.ofSeconds(10)).until(() -> !waiting.isOpen());

        assertThat(RabbitMqTransportProvider.EarlyConnections.open(Map.of("TWELVEFOLD_RABBITMQ_URI", "http://nope"),
                new Properties())).as("settings the transport refuses").isNull();
    }
}
