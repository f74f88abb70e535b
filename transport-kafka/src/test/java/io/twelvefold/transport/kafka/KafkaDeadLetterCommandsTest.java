package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The built-in dlq commands end to end on Kafka: a browse commits nothing, a replay commits the admin group's offset. */
class KafkaDeadLetterCommandsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String topic = "dlqcmd-" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicBoolean broken = new AtomicBoolean(true);
    private final List<String> processed = new CopyOnWriteArrayList<>();

    private App.Builder builder() {
        return App.builder().transportProvider(new KafkaTransportProvider()).environment(java.util.Map.of())
                .config(EmbeddedKafka.config())
                .config("twelvefold.transport", "kafka")
                .config("twelvefold.name", "dlqcmd")
                .config("twelvefold.channels.orders.destination", topic)
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
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "dlq";
        System.arraycopy(args, 0, all, 1, args.length);
        int status = builder().command(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), all);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("list and show commit nothing; --dry-run changes nothing; replay after the fix processes each once and commits past them; a second replay finds nothing")
    void inspectFixReplay() {
        try (App app = builder().build().start()) {
            for (int i = 1; i <= 3; i++) {
                app.publisher().publish("orders", "k" + i, "fatal-" + i).toCompletableFuture().join();
            }
            await().atMost(WAIT).until(() -> dlq("list").out().contains("3 dead letter(s)"));

            Run first = dlq("show", "--json");
            assertThat(first.status()).as(first.err()).isZero();
            assertThat(first.out().lines()).hasSize(3);
            assertThat(dlq("show", "--json").out()).as("a browse commits nothing").isEqualTo(first.out());

            broken.set(false);
            Run dry = dlq("replay", "--dry-run");
            assertThat(dry.out()).contains("selected 3, would replay 3, skipped 0, failed 0; nothing was changed");
            assertThat(dlq("list").out()).contains("3 dead letter(s)");
            assertThat(processed).isEmpty();

            Run replay = dlq("replay");
            assertThat(replay.status()).as(replay.err()).isZero();
            assertThat(replay.out()).contains("dlq replay: selected 3, replayed 3, skipped 0, failed 0");
            await().atMost(WAIT).until(() -> processed.size() == 3);
            assertThat(processed).containsExactlyInAnyOrder("fatal-1", "fatal-2", "fatal-3");
            assertThat(dlq("list").out()).contains("0 dead letter(s)");

            Run again = dlq("replay");
            assertThat(again.out()).contains("dlq replay: selected 0, replayed 0, skipped 0, failed 0");
            assertThat(processed).hasSize(3);
        }
    }

    @Test
    @DisplayName("Kafka removes in order: a dead letter after one the filters leave is skipped, not replayed, and stays")
    void inOrderWithinAPartition() {
        try (App app = builder().config("twelvefold.kafka.topic-partitions", "1").build().start()) {
            app.publisher().publish("orders", "k1", "fatal-1").toCompletableFuture().join();
            await().atMost(WAIT).until(() -> dlq("list").out().contains("1 dead letter(s)"));
            app.publisher().publish("orders", "k2", "fatal-2").toCompletableFuture().join();
            await().atMost(WAIT).until(() -> dlq("list").out().contains("2 dead letter(s)"));
            String second = dlq("show", "--json").out().lines().filter(l -> l.contains("fatal-2")).findFirst()
                    .orElseThrow().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            broken.set(false);

            Run replay = dlq("replay", "--id", second);

            assertThat(replay.status()).isZero();
            assertThat(replay.out()).contains("skipped " + second + ": an earlier dead letter of " + topic
                    + ".dlq partition 0 stays", "dlq replay: selected 1, replayed 0, skipped 1, failed 0");
            assertThat(dlq("list").out()).contains("2 dead letter(s)");
            assertThat(processed).isEmpty();
        }
    }
}
