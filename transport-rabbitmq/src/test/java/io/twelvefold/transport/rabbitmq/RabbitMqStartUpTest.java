package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.util.Map;
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
        RabbitMqTransportProvider.warmUp();
        assertThat(RabbitMqTransportProvider.warmUp()).as("a second warm-up").isFalse();
    }

    @Test
    @DisplayName("both connections open together, the publishing channels beside the declarations; the meters, "
            + "counting from the start, are registered when the app is ready; a broker that does not answer fails create")
    void connects() throws Exception {
        TestContext context = new TestContext(
                Map.of("uri", RabbitMqBroker.uri(), "connection-name", "start-up-test", "publisher-channels", "3"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String destination = "start-up-" + UUID.randomUUID().toString().substring(0, 8);
        try (Transport transport = RabbitMqBroker.provider().create(context);
                Subscription s = transport.subscribe(new SubscriptionRequest(destination, "g", 10), message -> { });
                Publisher publisher = transport.publisher(PublisherRequest.of(destination))) {
            assertThat(registry.getMeters()).as("meters before the app is ready").isEmpty();
            transport.onReady(registry);
            assertThat(registry.get(RabbitMqMeters.CONNECTED).gauge().value()).isEqualTo(1);
            for (int i = 0; i < 3; i++) {
                publisher.send(new OutgoingMessage("k" + i, Map.of("id", "id-" + i, "source", "/test",
                        "type", "test", "specversion", "1.0"), Map.of(), new byte[] {'1'})).get(10, TimeUnit.SECONDS);
            }
            assertThat(transport.connected()).isTrue();
        }
        RabbitMqBroker.deleteDeclared();
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(new TestContext(
                Map.of("uri", "amqp://127.0.0.1:1"))))
                .isInstanceOf(TransportException.class)
                .hasMessageStartingWith("RabbitMQ at 'amqp://127.0.0.1:1' is not reachable: ")
                .hasMessageEndingWith("; check twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) and that the broker runs");
    }
}
