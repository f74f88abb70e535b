package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The outbox on H2. */
class H2OutboxTest extends OutboxContract {
    @Override
    String database() {
        return TestDatabases.h2();
    }

    /**
     * H2 has no notifications and these rows are committed on a connection of the test's, which
     * wakes no relay: only the relay's busy rounds (a short pause after a round that found rows,
     * for a while after the last one) can publish them before its 60 s poll.
     */
    @Test
    @DisplayName("while rows keep coming, the relay publishes them without waiting for a wake-up or its poll")
    void busyRelayNeedsNoWakeUp() throws Exception {
        Jdbc writer = Jdbc.create();
        try (App w = builder("writer", writer).config("twelvefold.jdbc.relay-enabled", "false").build().start();
                Connection c = writer.dataSource().getConnection()) {
            writer.outbox().emit(c, "shipments", "k", "row-0");
        }
        Jdbc jdbc = Jdbc.create();
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        int rows = 20;
        try (App sink = sink(received);
                App a = builder("front", jdbc).config("twelvefold.jdbc.relay-poll-interval", "60s").build().start();
                Connection c = TestDatabases.connect(url)) {
            // the relay's first round, at its start, publishes row 0; each next row is committed once
            // the one before arrived
            for (int i = 1; i <= rows; i++) {
                int arrived = i;
                await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == arrived);
                jdbc.outbox().emit(c, "shipments", "k", "row-" + i);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == rows + 1);
        }
        assertThat(received).extracting(e -> (String) e.data()).startsWith("row-0", "row-1").endsWith("row-" + rows);
    }

    @Test
    @DisplayName("rounds that keep failing log one WARN and report the problem in readiness; the first round"
            + " that succeeds again logs one INFO")
    void failingRoundsLogOnce() throws Exception {
        Jdbc jdbc = Jdbc.create();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (App a = builder("front", jdbc).build().start()) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            TestDatabases.execute(url, "ALTER TABLE twelvefold_outbox_slot RENAME TO slot_away");
            await().atMost(WAIT).until(() -> !jdbc.health().up());
            assertThat(jdbc.health().data().get("problem").toString()).contains("TWELVEFOLD_OUTBOX_SLOT");
            // ten rounds or so (poll 100 ms) fail meanwhile
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> count(captured, "failed a round") == 1);
            TestDatabases.execute(url, "ALTER TABLE slot_away RENAME TO twelvefold_outbox_slot");
            await().atMost(WAIT).until(() -> jdbc.health().up());
            await().atMost(WAIT).until(() -> count(captured, "runs its rounds again") == 1);
        } finally {
            System.setErr(err);
        }
        assertThat(count(captured, "failed a round")).isEqualTo(1);
    }

    private static long count(ByteArrayOutputStream captured, String text) {
        return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(text)).count();
    }
}
