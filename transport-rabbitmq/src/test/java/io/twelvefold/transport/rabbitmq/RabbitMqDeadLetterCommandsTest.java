package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.twelvefold.core.App;
import io.twelvefold.core.ProcessingException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The built-in dlq commands end to end on RabbitMQ: browse gives every message back, replay acks after the confirm. */
class RabbitMqDeadLetterCommandsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String destination = "dlqcmd-" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicBoolean broken = new AtomicBoolean(true);
    private final List<String> processed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    private App.Builder builder(String... more) {
        App.Builder b = RabbitMqBroker.app("dlqcmd", "twelvefold.channels.orders.destination", destination,
                "twelvefold.channels.orders.group", "g");
        for (int i = 0; i + 1 < more.length; i += 2) {
            b.config(more[i], more[i + 1]);
        }
        return b
                .processor("orders", String.class, (e, ctx) -> {
                    if (broken.get() && e.data().startsWith("fatal-")) {
                        throw ProcessingException.fatal("cannot ship " + e.data());
                    }
                    processed.add(e.data());
                })
                .output("orders");
    }

    private record Run(int status, String out, String err) {
    }

    private Run dlq(String... args) {
        return dlqOn(builder(), args);
    }

    private Run dlqOn(App.Builder builder, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "dlq";
        System.arraycopy(args, 0, all, 1, args.length);
        int status = builder.command(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), all);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private int queued() throws Exception {
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            return c.queueDeclarePassive(destination + ".dlq.g").getMessageCount();
        }
    }

    @Test
    @DisplayName("list and show leave the dead-letter queue as it was, in order; --dry-run changes nothing; replay after the fix processes each once and acks the dead letters; a second replay finds nothing")
    void inspectFixReplay() throws Exception {
        try (App app = builder().build().start()) {
            for (int i = 1; i <= 3; i++) {
                app.publisher().publish("orders", "k" + i, "fatal-" + i).toCompletableFuture().join();
            }
            await().atMost(WAIT).until(() -> queued() == 3);

            Run first = dlq("show", "--json");
            assertThat(first.status()).as(first.err()).isZero();
            assertThat(first.out().lines()).hasSize(3);
            Run second = dlq("show", "--json");
            assertThat(second.out()).as("a browse leaves the queue as it was, in the same order").isEqualTo(first.out());
            assertThat(dlq("list").out()).contains("3 dead letter(s)");
            assertThat(queued()).isEqualTo(3);
            assertThat(dlq("show", "--reason", "exhausted").out()).contains("0 dead letter(s)");

            broken.set(false);
            Run dry = dlq("replay", "--dry-run");
            assertThat(dry.out()).contains("selected 3, would replay 3, skipped 0, failed 0; nothing was changed");
            assertThat(queued()).isEqualTo(3);
            assertThat(processed).isEmpty();

            Run replay = dlq("replay");
            assertThat(replay.status()).as(replay.err()).isZero();
            assertThat(replay.out()).contains("dlq replay: selected 3, replayed 3, skipped 0, failed 0");
            await().atMost(WAIT).until(() -> processed.size() == 3);
            assertThat(processed).containsExactlyInAnyOrder("fatal-1", "fatal-2", "fatal-3");
            assertThat(queued()).isZero();

            Run again = dlq("replay");
            assertThat(again.out()).contains("dlq replay: selected 0, replayed 0, skipped 0, failed 0");
            assertThat(processed).hasSize(3);
        }
    }

    @Test
    @DisplayName("purge --id removes exactly that dead letter from the middle of the queue; the others stay in their order")
    void purgeFromTheMiddle() throws Exception {
        try (App app = builder().build().start()) {
            for (int i = 1; i <= 3; i++) {
                app.publisher().publish("orders", "k", "fatal-" + i).toCompletableFuture().join();
                int expected = i;
                await().atMost(WAIT).until(() -> queued() == expected);
            }
            List<String> before = dlq("show", "--json").out().lines().toList();
            String middle = before.get(1).replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            assertThat(before.get(1)).contains("fatal-2");

            Run purge = dlq("purge", "--id", middle, "--yes");

            assertThat(purge.status()).as(purge.err()).isZero();
            assertThat(purge.out()).contains("dlq purge: selected 1, removed 1");
            List<String> after = dlq("show", "--json").out().lines().toList();
            assertThat(after).hasSize(2);
            assertThat(after.get(0)).contains("fatal-1");
            assertThat(after.get(1)).contains("fatal-3");
            assertThat(queued()).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("a quorum dead-letter queue is not browsed (each browse would count towards its delivery limit): exit 1 with the reason")
    void quorumQueuesAreRefused() throws Exception {
        try (App app = builder("twelvefold.rabbitmq.queue-type", "quorum").build().start()) {
            app.publisher().publish("orders", "k", "fatal-1").toCompletableFuture().join();
            await().atMost(WAIT).until(() -> queued() == 1);

            Run list = dlqOn(builder("twelvefold.rabbitmq.queue-type", "quorum"), "list");

            assertThat(list.status()).isEqualTo(1);
            assertThat(list.err()).startsWith("dlq list failed: Queue '" + destination + ".dlq.g' is a quorum queue "
                    + "(twelvefold.rabbitmq.queue-type (TWELVEFOLD_RABBITMQ_QUEUE_TYPE) is quorum)");
            assertThat(queued()).isEqualTo(1);
        }
    }
}
