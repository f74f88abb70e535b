package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import io.twelvefold.core.ProcessingException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The built-in dlq commands end to end on the embedded transport. */
class InMemoryDeadLetterCommandsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final String broker = "dlq-test-" + UUID.randomUUID();
    private final AtomicBoolean broken = new AtomicBoolean(true);
    private final List<String> processed = new CopyOnWriteArrayList<>();

    /** An app whose processor fails on "fatal-*" (non-retryable) and "state-*" (one attempt) while broken. */
    private App.Builder builder() {
        return App.builder().environment(Map.of())
                .config("twelvefold.inmemory.broker", broker)
                .config("twelvefold.channels.orders.max-attempts", "1")
                .processor("orders", String.class, (e, ctx) -> {
                    if (broken.get() && e.data().startsWith("fatal-")) {
                        throw ProcessingException.fatal("cannot ship " + e.data());
                    }
                    if (broken.get() && e.data().startsWith("state-")) {
                        throw new IllegalStateException("no stock for " + e.data());
                    }
                    processed.add(e.data());
                })
                .output("orders");
    }

    private record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
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

    private App startWithDeadLetters(String... poison) {
        App app = builder().build().start();
        app.publisher().publish("orders", "k0", "fine-0").toCompletableFuture().join();
        for (int i = 0; i < poison.length; i++) {
            app.publisher().publish("orders", "k" + i, poison[i]).toCompletableFuture().join();
        }
        String expected = poison.length + " dead letter(s)";
        await().atMost(WAIT).until(() -> dlq("list").out().contains(expected));
        assertThat(processed).containsExactly("fine-0");
        return app;
    }

    @Test
    @DisplayName("list and show see the dead letters without removing them; replay after the fix processes each once and empties the dead-letter destination; a second replay finds nothing")
    void inspectFixReplay() {
        try (App app = startWithDeadLetters("fatal-1", "fatal-2", "fatal-3")) {
            Run list = dlq("list");
            assertThat(list.status()).isZero();
            assertThat(list.lines()).hasSize(3);
            assertThat(list.lines().get(0)).startsWith("CHANNEL").contains("REASON", "EXCEPTION", "COUNT", "OLDEST");
            assertThat(list.lines().get(1)).matches("orders +fatal +io\\.twelvefold\\.core\\.ProcessingException +3 .*");

            Run show = dlq("show");
            assertThat(show.status()).isZero();
            assertThat(show.out()).contains("payload (text, 9 bytes): \"fatal-1\"",
                    "io.twelvefold.core.ProcessingException: cannot ship fatal-2", "channel orders, reason fatal, attempts 1, replays 0");
            Run json = dlq("show", "--json");
            assertThat(json.lines()).hasSize(3).first().asString()
                    .contains("\"destination\":\"orders.dlq\"", "\"reason\":\"fatal\"", "\"payloadEncoding\":\"text\"");
            assertThat(dlq("list").out()).contains("3 dead letter(s)");

            broken.set(false);
            Run replay = dlq("replay");
            assertThat(replay.status()).isZero();
            assertThat(replay.out()).endsWith("dlq replay: selected 3, replayed 3, skipped 0, failed 0" + System.lineSeparator());
            await().atMost(WAIT).until(() -> processed.size() == 4);
            assertThat(processed).containsExactlyInAnyOrder("fine-0", "fatal-1", "fatal-2", "fatal-3");
            assertThat(dlq("list").out()).contains("0 dead letter(s)");
            assertThat(app.meterRegistry().get("twelvefold.replayed").tag("channel", "orders").counter().count())
                    .as("replayed events counted by the running app").isEqualTo(3);

            Run again = dlq("replay");
            assertThat(again.status()).isZero();
            assertThat(again.out()).contains("dlq replay: selected 0, replayed 0, skipped 0, failed 0");
            assertThat(processed).hasSize(4);
        }
    }

    @Test
    @DisplayName("replay --dry-run reports what it would send and changes nothing")
    void dryRun() {
        try (App app = startWithDeadLetters("fatal-1", "state-1")) {
            broken.set(false);
            Run dry = dlq("replay", "--dry-run");
            assertThat(dry.status()).isZero();
            assertThat(dry.out()).contains("would replay ", " to 'orders'",
                    "dlq replay --dry-run: selected 2, would replay 2, skipped 0, failed 0; nothing was changed");
            assertThat(dlq("list").out()).contains("2 dead letter(s)");
            assertThat(processed).containsExactly("fine-0");
        }
    }

    @Test
    @DisplayName("the filters select exactly what they say; purge needs --yes and removes only the selection")
    void filtersAndPurge() {
        try (App app = startWithDeadLetters("fatal-1", "state-1", "state-2")) {
            assertThat(shown("--reason", "exhausted")).containsExactlyInAnyOrder("state-1", "state-2");
            assertThat(shown("--reason", "fatal")).containsExactly("fatal-1");
            assertThat(shown("--exception", "IllegalStateException")).containsExactlyInAnyOrder("state-1", "state-2");
            assertThat(shown("--exception", "io.twelvefold.core.ProcessingException")).containsExactly("fatal-1");
            assertThat(shown("--channel", "orders")).hasSize(3);
            assertThat(shown("--since", "1h")).hasSize(3);
            assertThat(shown("--until", "2000-01-01T00:00:00Z")).isEmpty();
            String id = dlq("show", "--json", "--reason", "fatal").lines().get(0).replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            assertThat(shown("--id", id)).containsExactly("fatal-1");
            assertThat(shown("--id", "no-such-id")).isEmpty();

            Run unconfirmed = dlq("purge", "--reason", "exhausted");
            assertThat(unconfirmed.status()).isEqualTo(2);
            assertThat(unconfirmed.err()).startsWith("dlq purge would remove 2 dead letter(s) for good; run it again with --yes");
            assertThat(shown()).hasSize(3);

            Run purge = dlq("purge", "--reason", "exhausted", "--yes");
            assertThat(purge.status()).isZero();
            assertThat(purge.out()).contains("dlq purge: selected 2, removed 2");
            assertThat(shown()).containsExactly("fatal-1");
        }
    }

    @Test
    @DisplayName("an event replayed --max-replays times that fails again is skipped, not replayed in a loop")
    void maxReplays() {
        try (App app = startWithDeadLetters("fatal-1")) {
            Run first = dlq("replay", "--max-replays", "1", "--rate", "50");
            assertThat(first.out()).contains("replayed 1, skipped 0");
            await().atMost(WAIT).until(() -> dlq("show").out().contains("replays 1"));

            Run second = dlq("replay", "--max-replays", "1");
            assertThat(second.status()).isZero();
            assertThat(second.out()).contains("skipped ", "replayed 1 time(s) already (--max-replays 1)",
                    "dlq replay: selected 1, replayed 0, skipped 1, failed 0");
            assertThat(shown()).containsExactly("fatal-1");
        }
    }

    @Test
    @DisplayName("bad arguments are usage errors that name what to fix, exit status 2")
    void badArguments() {
        Run none = dlq();
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).startsWith("dlq needs an action: list, show, replay or purge, was ''");
        Run channel = dlq("list", "--channel", "nope");
        assertThat(channel.status()).isEqualTo(2);
        assertThat(channel.err()).startsWith("dlq option '--channel' must name a channel with a processor, was 'nope'; channels: [orders]");
        Run rate = dlq("replay", "--rate", "fast");
        assertThat(rate.err()).startsWith("dlq option '--rate' must be a positive number of events per second, was 'fast'");
        Run yes = dlq("list", "--yes");
        assertThat(yes.err()).startsWith("dlq list option '--yes' applies only to dlq purge");
    }

    /** The payloads of the dead letters {@code dlq show --json} selects with these filters. */
    private List<String> shown(String... filters) {
        String[] args = new String[filters.length + 2];
        args[0] = "show";
        args[1] = "--json";
        System.arraycopy(filters, 0, args, 2, filters.length);
        Run run = dlq(args);
        assertThat(run.status()).as(run.err()).isZero();
        return run.lines().stream().filter(l -> l.startsWith("{"))
                .map(l -> l.replaceAll(".*\"payload\":\"\\\\\"([^\\\\]+)\\\\\"\".*", "$1")).toList();
    }

    @Test
    @DisplayName("the dlq commands skip a channel that reads dead letters, and --channel naming it exits 2 saying it has none")
    void channelWithoutDeadLetters() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        App.Builder b = builder().processor("audit", String.class, (e, ctx) -> { })
                .config("twelvefold.channels.audit.destination", "orders.dlq");
        int status = b.command(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), "dlq", "list", "--channel", "audit");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("dlq option '--channel' must name a channel with "
                + "dead letters, was 'audit', whose dead-letter destination is none "
                + "(twelvefold.channels.audit.dead-letter-destination): what fails there stays unacknowledged on its "
                + "destination" + System.lineSeparator());

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        assertThat(b.command(new PrintStream(all, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), "dlq", "list")).isZero();
        assertThat(InMemoryBroker.named(broker).existing("orders.dlq.dlq")).as("orders.dlq.dlq").isNull();
    }
}
