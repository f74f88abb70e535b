package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Transport;
import java.util.Map;
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
        for (Class<?> c : RabbitMqTransportProvider.WARM_UP_CLASSES) {
            assertThat(Class.forName(c.getName(), true, loader)).isSameAs(c);
        }
        RabbitMqTransportProvider.warmUp();
        assertThat(RabbitMqTransportProvider.warmUp()).as("a second warm-up").isFalse();
    }

    @Test
    @DisplayName("both connections open together and the transport works; a broker that does not answer fails create")
    void connects() {
        try (Transport transport = RabbitMqBroker.provider().create(new RabbitMqResilienceTest.TestContext(
                Map.of("uri", RabbitMqBroker.uri(), "connection-name", "start-up-test")))) {
            assertThat(transport.connected()).isTrue();
        }
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(new RabbitMqResilienceTest.TestContext(
                Map.of("uri", "amqp://127.0.0.1:1"))))
                .isInstanceOf(TransportException.class)
                .hasMessageStartingWith("RabbitMQ at 'amqp://127.0.0.1:1' is not reachable: ")
                .hasMessageEndingWith("; check twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) and that the broker runs");
    }
}
