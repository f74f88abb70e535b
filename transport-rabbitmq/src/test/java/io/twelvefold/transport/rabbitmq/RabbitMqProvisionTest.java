package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import io.twelvefold.core.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The provision command declares what the app needs, so that the app can run with declare=false. */
class RabbitMqProvisionTest {
    private final List<String> processed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    private App.Builder builder(String destination, String... more) {
        App.Builder b = RabbitMqBroker.app("prov", "twelvefold.channels.orders.destination", destination,
                "twelvefold.channels.orders.group", "g");
        for (int i = 0; i + 1 < more.length; i += 2) {
            b.config(more[i], more[i + 1]);
        }
        return b.processor("orders", String.class, (e, ctx) -> processed.add(e.data())).output("orders");
    }

    @Test
    @DisplayName("provision declares the destination, the group's queue and the dead-letter objects; the app then starts with declare=false")
    void provisionThenDeclareNothing() {
        String d = "prov-" + UUID.randomUUID().toString().substring(0, 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = builder(d).command(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "provision");

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(
                "provision: channel 'orders': destination '" + d + "', group 'g', dead letters '" + d + ".dlq'",
                "provision: output 'orders': destination '" + d + "'",
                "provision: done on transport 'rabbitmq', 1 channel(s)");
        try (App app = builder(d, "twelvefold.rabbitmq.declare", "false").build().start()) {
            app.publisher().publish("orders", "k", "hello").toCompletableFuture().join();
            await().atMost(Duration.ofSeconds(30)).until(() -> processed.contains("hello"));
        }
    }

    @Test
    @DisplayName("without provision, an app with declare=false does not start, and the error names what is missing")
    void missingObjectNamed() {
        String d = "noprov-" + UUID.randomUUID().toString().substring(0, 8);
        App app = builder(d, "twelvefold.rabbitmq.declare", "false").build();
        try {
            assertThatThrownBy(app::start).isInstanceOf(TransportException.class)
                    .hasMessageContaining("needs RabbitMQ objects that are missing: exchange '" + d + "'");
        } finally {
            app.close();
        }
    }
}
