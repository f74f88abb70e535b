package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
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

    /** An app whose processor fails its first attempt, with retries on the broker from 1s: delays 1.6s to 2.4s. */
    private App.Builder retrying(String destination, List<Integer> attempts, String... more) {
        App.Builder b = RabbitMqBroker.app("prov", "twelvefold.channels.orders.destination", destination,
                "twelvefold.channels.orders.group", "g",
                "twelvefold.channels.orders.max-attempts", "2",
                "twelvefold.channels.orders.backoff.initial", "2s",
                "twelvefold.channels.orders.retry.broker-delay-from", "1s");
        for (int i = 0; i + 1 < more.length; i += 2) {
            b.config(more[i], more[i + 1]);
        }
        return b.processor("orders", String.class, (e, ctx) -> {
            attempts.add(ctx.attempt());
            if (ctx.attempt() == 1) {
                throw new IllegalStateException("the first attempt fails");
            }
            processed.add(e.data());
        }).output("orders");
    }

    private static int provision(App.Builder builder, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return builder.command(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "provision");
    }

    @Test
    @DisplayName("provision declares a retry queue for every level the broker retries may reach; with declare=false the retry then waits on the broker, not in the process")
    void provisionRetryQueues() throws Exception {
        String d = "provretry-" + UUID.randomUUID().toString().substring(0, 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<Integer> attempts = new CopyOnWriteArrayList<>();

        int status = provision(retrying(d, attempts), out, err);

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsSubsequence(
                "provision: channel 'orders': destination '" + d + "', group 'g', dead letters '" + d
                        + ".dlq', broker retries from 1600ms to 2400ms",
                "provision:   retry queue '" + d + ".g.retry.1s'",
                "provision:   retry queue '" + d + ".g.retry.2s'",
                "provision: output 'orders': destination '" + d + "'");
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            assertThat(c.queueDeclarePassive(d + ".g.retry.1s").getMessageCount()).isZero();
            assertThat(c.queueDeclarePassive(d + ".g.retry.2s").getMessageCount()).isZero();
        }
        try (App app = retrying(d, attempts, "twelvefold.rabbitmq.declare", "false").build().start();
                Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            app.publisher().publish("orders", "k", "retried").toCompletableFuture().join();
            await().atMost(Duration.ofSeconds(30)).until(() -> c.queueDeclarePassive(d + ".g.retry.1s").getMessageCount()
                    + c.queueDeclarePassive(d + ".g.retry.2s").getMessageCount() == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> processed.contains("retried"));
            assertThat(attempts).containsExactly(1, 2);
        }
    }

    @Test
    @DisplayName("with declare=false, a missing retry queue fails provision and the start, naming each missing queue")
    void missingRetryQueueNamed() {
        String d = "noretry-" + UUID.randomUUID().toString().substring(0, 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // everything but the retry queues
        assertThat(provision(builder(d), new ByteArrayOutputStream(), new ByteArrayOutputStream())).isZero();
        String missing = "needs RabbitMQ objects that are missing: queue '" + d + ".g.retry.1s' (a retry queue of "
                + "twelvefold.channels.orders.retry.broker-delay-from; the transport declares nothing: "
                + "twelvefold.rabbitmq.declare (TWELVEFOLD_RABBITMQ_DECLARE) is false), queue '" + d + ".g.retry.2s' (";

        int status = provision(retrying(d, new CopyOnWriteArrayList<>(), "twelvefold.rabbitmq.declare", "false"), out, err);

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("provision failed: Channel 'orders' " + missing);
        App app = retrying(d, new CopyOnWriteArrayList<>(), "twelvefold.rabbitmq.declare", "false").build();
        try {
            assertThatThrownBy(app::start).isInstanceOf(TransportException.class)
                    .hasMessageStartingWith("Channel 'orders' " + missing);
        } finally {
            app.close();
        }
    }

    @Test
    @DisplayName("provision of a processor of a dead-letter destination declares no dead-letter objects for it and says 'dead letters none (terminal)'")
    void provisionDeadLetterReader() throws Exception {
        String d = "provdlq-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(provision(builder(d), new ByteArrayOutputStream(), new ByteArrayOutputStream())).isZero();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = provision(builder(d + ".dlq"), out, err);

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("provision: channel 'orders': destination '" + d
                + ".dlq', group 'g', dead letters none (terminal), broker retries none");
        assertThat(RabbitMqBroker.exists(d + ".dlq.g")).as("the dead-letter queue of group g, read by g").isTrue();
        assertThat(RabbitMqBroker.exists(d + ".dlq.dlq")).isFalse();
        assertThat(RabbitMqBroker.exists(d + ".dlq.dlq.g")).isFalse();
    }
}
