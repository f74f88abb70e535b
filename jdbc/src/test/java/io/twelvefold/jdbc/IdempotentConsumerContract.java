package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The idempotent consumer, end to end on the in-memory transport; subclassed once per database. */
abstract class IdempotentConsumerContract {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final String broker = "jdbc-test-" + UUID.randomUUID();
    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String effects = "effects_" + suffix;
    private final String app = "shop" + suffix;
    String url;

    /** @return the URL of the database to run on, ready for the test */
    abstract String database();

    @BeforeEach
    void createEffectsTable() throws SQLException {
        url = database();
        TestDatabases.execute(url, "CREATE TABLE " + effects + " (event_id VARCHAR(255) NOT NULL,"
                + " data VARCHAR(255) NOT NULL)");
    }

    @AfterEach
    void dropEffectsTable() throws SQLException {
        if (url != null) {
            TestDatabases.execute(url, "DROP TABLE IF EXISTS " + effects);
        }
    }

    private App.Builder builder(Jdbc jdbc) {
        return App.builder().name(app).environment(Map.of("DATABASE_URL", url))
                .config("twelvefold.inmemory.broker", broker)
                .config("twelvefold.jdbc.migrate-at-start", "true")
                .config("twelvefold.jdbc.relay-poll-interval", "100ms")
                .config("twelvefold.channels.orders.max-attempts", "3")
                .config("twelvefold.channels.orders.backoff.initial", "1ms")
                .extension(jdbc).intercept("orders", jdbc.idempotent()).output("orders");
    }

    private void effect(Connection c, Event<String> e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + effects + " VALUES (?, ?)")) {
            ps.setString(1, e.id());
            ps.setString(2, e.data());
            ps.executeUpdate();
        }
    }

    private long effects(String where) throws SQLException {
        return TestDatabases.count(url, "SELECT COUNT(*) FROM " + effects + " WHERE " + where);
    }

    @Test
    @DisplayName("a redelivered event whose id is recorded is acknowledged without running the processor again")
    void redeliverySkipped() throws Exception {
        Jdbc jdbc = Jdbc.create();
        AtomicInteger runs = new AtomicInteger();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (App a = builder(jdbc).meterRegistry(registry).processor("orders", String.class, (e, ctx) -> {
            runs.incrementAndGet();
            effect(Jdbc.connection(ctx), e);
        }).build().start()) {
            Event<String> first = a.publisher().newEvent("orders", "k", "first");
            a.publisher().publish("orders", first);
            a.publisher().publish("orders", first); // the same event again, as a broker redelivers it
            a.publisher().publish("orders", "k", "last"); // same key: handled after both

            await().atMost(WAIT).until(() -> effects("data = 'last'") == 1);
            assertThat(effects("event_id = '" + first.id() + "'")).isEqualTo(1);
            assertThat(runs).hasValue(2);
            await().atMost(WAIT).until(() -> registry.find("twelvefold.idempotent.skipped").tag("channel", "orders")
                    .functionCounter() != null);
            assertThat(registry.find("twelvefold.idempotent.skipped").functionCounter().count()).isEqualTo(1.0);
            assertThat(TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_processed WHERE consumer_group = '"
                    + app + "'")).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("a failed attempt rolls back its writes, its emits and its id, so the retry runs the processor again"
            + " and the effects happen once")
    void rollbackThenRetry() throws Exception {
        Jdbc jdbc = Jdbc.create();
        List<Event<?>> shipments = new CopyOnWriteArrayList<>();
        List<String> inputTraces = new CopyOnWriteArrayList<>();
        try (App a = builder(jdbc).processor("orders", String.class, (e, ctx) -> {
            effect(Jdbc.connection(ctx), e);
            ctx.emit("shipments", "shipment of " + e.data() + " #" + ctx.attempt());
            if (ctx.attempt() < 3) {
                throw new IllegalStateException("the warehouse said no");
            }
            inputTraces.add(ctx.traceParent().substring(3, 35));
        }).processor("shipments", String.class, (e, ctx) -> shipments.add(e)).output("shipments")
                .build().start()) {
            a.publisher().publish("orders", "k7", "book");

            await().atMost(WAIT).until(() -> shipments.size() == 1);
            assertThat(effects("data = 'book'")).isEqualTo(1);
            Event<?> shipment = shipments.get(0);
            assertThat(shipment.data()).isEqualTo("shipment of book #3");
            assertThat(shipment.key()).contains("k7");
            assertThat(shipment.header("traceparent")).get().asString().contains(inputTraces.get(0));
        }
        assertThat(shipments).as("no other shipment went out by the time the app stopped").hasSize(1);
    }

    @Test
    @DisplayName("the processor may not end the transaction, and a channel without the interceptor has no connection")
    void connectionContract() throws Exception {
        Jdbc jdbc = Jdbc.create();
        List<String> messages = new CopyOnWriteArrayList<>();
        try (App a = builder(jdbc).processor("orders", String.class, (e, ctx) -> {
            try {
                Jdbc.connection(ctx).commit();
            } catch (IllegalStateException ex) {
                messages.add(ex.getMessage());
            }
        }).processor("plain", String.class, (e, ctx) -> {
            try {
                Jdbc.connection(ctx);
            } catch (IllegalStateException ex) {
                messages.add(ex.getMessage());
            }
        }).output("plain").build().start()) {
            a.publisher().publish("orders", "x");
            await().atMost(WAIT).until(() -> messages.size() == 1);
            a.publisher().publish("plain", "y");
            await().atMost(WAIT).until(() -> messages.size() == 2);
        }
        assertThat(messages).containsExactly("Connection.commit() is not for the processor of channel 'orders': its"
                + " transaction commits when the processor returns and rolls back when it throws",
                "Channel 'plain' has no JDBC transaction in progress; intercept it with jdbc.idempotent() or"
                        + " jdbc.transactional() (App.Builder.intercept) and call Jdbc.connection(context) while the"
                        + " processor runs");
    }

    @Test
    @DisplayName("processed ids older than the retention are deleted by the cleanup")
    void retention() throws Exception {
        Jdbc jdbc = Jdbc.create();
        String processed = "SELECT COUNT(*) FROM twelvefold_processed WHERE consumer_group = '" + app + "'";
        try (App a = builder(jdbc).config("twelvefold.jdbc.processed-retention", "1ms")
                .config("twelvefold.jdbc.cleanup-interval", "50ms")
                .processor("orders", String.class, (e, ctx) -> effect(Jdbc.connection(ctx), e)).build().start()) {
            a.publisher().publish("orders", "kept once");

            await().atMost(WAIT).until(() -> effects("data = 'kept once'") == 1);
            await().atMost(WAIT).until(() -> TestDatabases.count(url, processed) == 0);
        }
    }
}
