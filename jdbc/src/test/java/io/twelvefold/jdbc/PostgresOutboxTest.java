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

/** The outbox on PostgreSQL, and the relay's LISTEN/NOTIFY wake-ups. */
class PostgresOutboxTest extends OutboxContract {
    @Override
    String database() {
        return TestDatabases.postgres();
    }

    @Test
    @DisplayName("a commit from another process's connection wakes the relay through NOTIFY, long before its next poll")
    void notifyWakesTheRelay() throws Exception {
        Jdbc jdbc = Jdbc.create();
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        String listening = "SELECT COUNT(*) FROM pg_stat_activity WHERE query = 'LISTEN " + PgListener.CHANNEL + "'";
        try (App sink = sink(received);
                App a = builder("front", jdbc).config("twelvefold.jdbc.relay-poll-interval", "60s").build().start()) {
            await().atMost(WAIT).until(() -> TestDatabases.count(url, listening) >= 1);
            try (Connection c = TestDatabases.connect(url)) {
                c.setAutoCommit(false);
                jdbc.outbox().emit(c, "shipments", "k", "notified");
                c.commit();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        }
        assertThat(received).extracting(e -> (String) e.data()).containsExactly("notified");
    }

    @Test
    @DisplayName("a listener whose connection the database cut logs one WARN, listens again by itself, says so"
            + " once, and NOTIFY wakes the relay again")
    void listenerCutListensAgain() throws Exception {
        Jdbc jdbc = Jdbc.create();
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        String listening = "SELECT COUNT(*) FROM pg_stat_activity WHERE query = 'LISTEN " + PgListener.CHANNEL + "'";
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (App sink = sink(received);
                App a = builder("front", jdbc).config("twelvefold.jdbc.relay-poll-interval", "60s").build().start()) {
            await().atMost(WAIT).until(() -> TestDatabases.count(url, listening) >= 1);
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            TestDatabases.execute(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN "
                    + PgListener.CHANNEL + "'");
            await().atMost(WAIT).until(() -> count(captured, "Listening for outbox notifications again") == 1);
            try (Connection c = TestDatabases.connect(url)) {
                c.setAutoCommit(false);
                jdbc.outbox().emit(c, "shipments", "k", "after the cut");
                c.commit();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
        } finally {
            System.setErr(err);
        }
        assertThat(count(captured, "Listening for outbox notifications failed")).isEqualTo(1);
    }

    private static long count(ByteArrayOutputStream captured, String text) {
        return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(text)).count();
    }
}
