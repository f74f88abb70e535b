package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.TwelvefoldException;
import io.twelvefold.core.spi.ExtensionHealth;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The transactional outbox and its relay, end to end on the in-memory transport; subclassed once per database. */
abstract class OutboxContract {
    static final Duration WAIT = Duration.ofSeconds(30);
    final String broker = "outbox-test-" + UUID.randomUUID();
    String url;

    /** @return the URL of the database to run on, ready for the test */
    abstract String database();

    @BeforeEach
    void pickDatabase() {
        url = database();
    }

    App.Builder builder(String name, Jdbc jdbc) {
        return App.builder().name(name).environment(Map.of("DATABASE_URL", url))
                .config("twelvefold.inmemory.broker", broker)
                .config("twelvefold.jdbc.migrate-at-start", "true")
                .config("twelvefold.jdbc.relay-poll-interval", "100ms")
                .extension(jdbc).output("shipments");
    }

    /** An app that only consumes the shipments, in its own group. */
    App sink(List<Event<?>> received) {
        return App.builder().name("sink").environment(Map.of()).config("twelvefold.inmemory.broker", broker)
                .processor("shipments", String.class, (e, ctx) -> received.add(e)).build().start();
    }

    @Test
    @DisplayName("Outbox.emit stores the event in the caller's transaction: published after a commit, never after a"
            + " rollback, with its id, key and headers")
    void emitOutsideProcessor() throws Exception {
        Jdbc jdbc = Jdbc.create();
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        try (App sink = sink(received); App a = builder("front", jdbc).build().start();
                Connection c = jdbc.dataSource().getConnection()) {
            c.setAutoCommit(false);
            jdbc.outbox().emit(c, "shipments", "toon-1", "rolled back");
            c.rollback();
            Event<?> stored = jdbc.outbox().emit(c, "shipments", "toon-1", "committed");
            jdbc.outbox().emit(c, "shipments", Event.builder("built").source("/front").type("shipment.built")
                    .key("toon-1").header("tenant", "acme").subject("s-1").build());
            c.commit();

            await().atMost(WAIT).until(() -> received.size() == 2);
            assertThat(received).extracting(e -> (String) e.data()).containsExactly("committed", "built");
            assertThat(received.get(0).id()).isEqualTo(stored.id());
            assertThat(received.get(0).key()).contains("toon-1");
            assertThat(received.get(1).header("tenant")).contains("acme");
            assertThat(received.get(1).subject()).contains("s-1");
            assertThat(received.get(1).type()).isEqualTo("shipment.built");
            await().atMost(WAIT).until(() -> TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_outbox") == 0);
        }
        assertThat(received).extracting(e -> (String) e.data()).doesNotContain("rolled back");
    }

    @Test
    @DisplayName("an undeclared channel fails the caller at once, not the relay later")
    void undeclaredChannel() throws Exception {
        Jdbc jdbc = Jdbc.create();
        try (App a = builder("front", jdbc).build().start(); Connection c = jdbc.dataSource().getConnection()) {
            TwelvefoldException e = catchThrowableOfType(TwelvefoldException.class,
                    () -> jdbc.outbox().emit(c, "shipmints", "k", "x"));
            assertThat(e).isNotNull();
            assertThat(TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_outbox")).isZero();
        }
    }

    @Test
    @DisplayName("the relay publishes in per-key order")
    void perKeyOrder() throws Exception {
        Jdbc jdbc = Jdbc.create();
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        int keys = 5;
        int perKey = 40;
        try (App sink = sink(received); App a = builder("front", jdbc).build().start()) {
            emitInTransactions(jdbc, keys, perKey);
            await().atMost(WAIT).until(() -> received.size() >= keys * perKey);
        }
        Map<String, List<Integer>> byKey = sequences(received);
        assertThat(byKey).hasSize(keys);
        byKey.values().forEach(seq -> assertThat(seq).isSorted().hasSize(perKey));
    }

    @Test
    @DisplayName("two relays on one database: every row is published, each key in order")
    void twoRelays() throws Exception {
        Jdbc first = Jdbc.create();
        Jdbc second = Jdbc.create();
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        int keys = 8;
        int perKey = 50;
        try (App sink = sink(received); App a = builder("relay-a", first).build().start();
                App b = builder("relay-b", second).build().start()) {
            emitInTransactions(first, keys, perKey);
            await().atMost(WAIT).until(() -> new LinkedHashSet<>(received.stream().map(Event::id).toList()).size()
                    == keys * perKey);
        }
        // at least once: a repeat is allowed, but the first time each event arrives follows its key's order
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Event<?> e : received) {
            if (seen.add(e.id())) {
                byKey.computeIfAbsent(e.key().orElseThrow(), k -> new ArrayList<>()).add(sequence(e));
            }
        }
        assertThat(byKey).hasSize(keys);
        byKey.values().forEach(seq -> assertThat(seq).isSorted().hasSize(perKey));
    }

    @Test
    @DisplayName("a send the broker refuses leaves its row and the later rows of its key for the next round: nothing"
            + " is lost, and the key goes out again in order from the refused row")
    void refusedSend() throws Exception {
        Jdbc jdbc = Jdbc.create();
        RefusingTransportProvider refusing = new RefusingTransportProvider("\"key-1/3\"");
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        try (App sink = sink(received); App a = App.builder().name("front").environment(Map.of("DATABASE_URL", url))
                .transportProvider(refusing).config("twelvefold.transport", "refusing")
                .config("twelvefold.refusing.broker", broker)
                .config("twelvefold.jdbc.migrate-at-start", "true")
                .config("twelvefold.jdbc.relay-poll-interval", "100ms")
                .extension(jdbc).output("shipments").build().start()) {
            emitInTransactions(jdbc, 3, 10);
            await().atMost(WAIT).until(() -> TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_outbox") == 0
                    && new LinkedHashSet<>(received.stream().map(Event::id).toList()).size() == 30);
        }
        assertThat(refusing.refused).hasValue(1);
        Map<String, List<Integer>> byKey = sequences(received);
        List<Integer> key1 = byKey.get("key-1");
        assertThat(key1.subList(key1.lastIndexOf(3), key1.size())).containsExactly(3, 4, 5, 6, 7, 8, 9);
        assertThat(byKey.get("key-0")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(byKey.get("key-2")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    @DisplayName("the backlog and the lag show in the meters and the readiness detail")
    void backlogInMetersAndHealth() throws Exception {
        Jdbc jdbc = Jdbc.create();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (App a = builder("front", jdbc).meterRegistry(registry).config("twelvefold.jdbc.relay-enabled", "false")
                .build().start()) {
            emitInTransactions(jdbc, 1, 3);

            await().atMost(WAIT).until(() -> registry.find("twelvefold.outbox.backlog").gauge() != null
                    && registry.find("twelvefold.outbox.backlog").gauge().value() == 3.0);
            await().atMost(WAIT).until(() -> registry.find("twelvefold.outbox.lag").gauge().value() > 0);
            ExtensionHealth health = jdbc.health();
            assertThat(health.up()).isTrue();
            assertThat(health.data()).containsEntry("outboxBacklog", 3L).containsKey("outboxLagSeconds");
        }
    }

    @Test
    @DisplayName("a graceful stop lets the relay finish its round before the transport closes: the rows it"
            + " published are confirmed and deleted, none is published twice")
    void relayStopsBeforeTheTransport() throws Exception {
        Jdbc jdbc = Jdbc.create();
        GatedTransportProvider gated = new GatedTransportProvider();
        List<Event<?>> received = new CopyOnWriteArrayList<>();
        App a = App.builder().name("front").environment(Map.of("DATABASE_URL", url))
                .transportProvider(gated).config("twelvefold.transport", "gated")
                .config("twelvefold.gated.broker", broker)
                .config("twelvefold.jdbc.migrate-at-start", "true")
                .config("twelvefold.jdbc.relay-poll-interval", "100ms")
                .extension(jdbc).output("shipments").build();
        try (App sink = sink(received)) {
            a.start();
            emitInTransactions(jdbc, 1, 5);
            await().atMost(WAIT).until(() -> gated.count("sent") == 5);
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(a::close);
            await().atMost(WAIT).until(() -> a.state() != App.State.READY);
            // the relay's round waits for its confirmations: the app cannot have closed the transport
            assertThat(stopped).isNotDone();
            assertThat(gated.log).doesNotContain("closed");
            gated.gate.complete(null);
            stopped.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> received.size() >= 5);
        } finally {
            gated.gate.complete(null);
            a.close();
        }
        assertThat(gated.log).containsExactly("sent", "sent", "sent", "sent", "sent",
                "confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "closed");
        assertThat(TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_outbox")).isZero();
        assertThat(received).extracting(e -> (String) e.data())
                .containsExactly("key-0/0", "key-0/1", "key-0/2", "key-0/3", "key-0/4");
    }

    void emitInTransactions(Jdbc jdbc, int keys, int perKey) throws Exception {
        try (Connection c = jdbc.dataSource().getConnection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < perKey; i++) {
                for (int k = 0; k < keys; k++) {
                    jdbc.outbox().emit(c, "shipments", "key-" + k, "key-" + k + "/" + i);
                    if ((i + k) % 3 == 0) {
                        c.commit();
                    }
                }
            }
            c.commit();
        }
    }

    static Map<String, List<Integer>> sequences(List<Event<?>> received) {
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (Event<?> e : received) {
            byKey.computeIfAbsent(e.key().orElseThrow(), k -> new ArrayList<>()).add(sequence(e));
        }
        return byKey;
    }

    static int sequence(Event<?> e) {
        String data = (String) e.data();
        return Integer.parseInt(data.substring(data.indexOf('/') + 1));
    }
}
