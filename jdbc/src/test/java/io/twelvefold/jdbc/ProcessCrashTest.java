package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import io.twelvefold.core.App;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Crashes as they happen: a child JVM on PostgreSQL and RabbitMQ (which outlive it) killed with
 * SIGKILL at the worst moment, then started again.
 */
class ProcessCrashTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final Map<String, String> env = new HashMap<>();
    private String url;

    @BeforeEach
    void services() throws Exception {
        url = TestDatabases.postgres();
        String rabbit = System.getenv().getOrDefault("TWELVEFOLD_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
        URI uri = URI.create(rabbit);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 5672 : uri.getPort()), 2000);
        } catch (IOException e) {
            String message = "no RabbitMQ at " + DatabaseUrl.redact(rabbit) + "; start it (see .ci/run) or set"
                    + " TWELVEFOLD_RABBITMQ_URI";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + message);
            }
            assumeTrue(false, "skipped: " + message);
        }
        env.putAll(Map.of("DATABASE_URL", url, "TWELVEFOLD_TRANSPORT", "rabbitmq", "TWELVEFOLD_RABBITMQ_URI", rabbit,
                "TWELVEFOLD_NAME", "crash" + suffix, "TWELVEFOLD_JDBC_MIGRATE_AT_START", "true"));
        TestDatabases.execute(url, "CREATE TABLE effects_" + suffix + " (event_id VARCHAR(255) NOT NULL,"
                + " data VARCHAR(255) NOT NULL)");
    }

    /** Drops the effects table, deletes what the apps declared on RabbitMQ (durable, to outlive the killed process). */
    @AfterEach
    void deleteTopology() throws Exception {
        if (url != null) {
            TestDatabases.execute(url, "DROP TABLE IF EXISTS effects_" + suffix);
        }
        String rabbit = env.get("TWELVEFOLD_RABBITMQ_URI");
        if (rabbit == null) {
            return;
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(rabbit);
        try (com.rabbitmq.client.Connection c = factory.newConnection("jdbc-test-cleanup");
                Channel ch = c.createChannel()) {
            for (String destination : List.of("crash-orders-" + suffix, "crash-shipments-" + suffix)) {
                ch.queueDelete(destination + ".crash" + suffix);
                ch.queueDelete(destination + ".dlq.crash" + suffix);
                ch.exchangeDelete(destination);
                ch.exchangeDelete(destination + ".dlq");
            }
        }
    }

    private long effects(String id) throws Exception {
        return TestDatabases.count(url, "SELECT COUNT(*) FROM effects_" + suffix + " WHERE event_id = '" + id + "'");
    }

    @Test
    @DisplayName("SIGKILL between the database commit and the acknowledgement: the redelivered event is skipped,"
            + " one effect")
    void killedBetweenCommitAndAck() throws Exception {
        String id;
        env.putAll(Map.of("TWELVEFOLD_CHANNELS_ORDERS_DESTINATION", "crash-orders-" + suffix, "EFFECTS_TABLE",
                "effects_" + suffix));
        Map<String, String> first = new HashMap<>(env);
        first.putAll(Map.of("HOLD_AFTER_COMMIT", "true", "PUBLISH", "true"));
        try (ChildProcess child = ChildProcess.start("consume", first)) {
            id = child.await("PUBLISHED ", WAIT);
            child.await("DONE " + id, WAIT);
            child.kill();
            assertThat(child.output()).contains("PROCESSED " + id);
        }
        assertThat(effects(id)).isEqualTo(1);

        try (ChildProcess again = ChildProcess.start("consume", env)) {
            again.await("DONE " + id, WAIT);
            assertThat(again.output()).as("the processor did not run again").doesNotContain("PROCESSED " + id);
        }
        assertThat(effects(id)).isEqualTo(1);
    }

    @Test
    @DisplayName("SIGKILL of the relay while it publishes: a restarted relay publishes the rest; every event has one"
            + " effect downstream (repeats absorbed by the idempotent consumer) and each key keeps its order")
    void relayKilledWhilePublishing() throws Exception {
        int keys = 10;
        int perKey = 400;
        Map<String, String> appEnv = new HashMap<>(env);
        appEnv.putAll(Map.of("TWELVEFOLD_CHANNELS_SHIPMENTS_DESTINATION", "crash-shipments-" + suffix,
                "TWELVEFOLD_JDBC_RELAY_ENABLED", "false"));
        Map<String, String> relayEnv = new HashMap<>(env);
        relayEnv.putAll(Map.of("TWELVEFOLD_CHANNELS_SHIPMENTS_DESTINATION", "crash-shipments-" + suffix,
                "TWELVEFOLD_NAME", "relay" + suffix, "TWELVEFOLD_JDBC_RELAY_BATCH_SIZE", "50"));
        Jdbc jdbc = Jdbc.create();
        AtomicInteger deliveries = new AtomicInteger();
        List<String> firstSeen = new CopyOnWriteArrayList<>();
        try (App app = downstream(appEnv, jdbc, deliveries, firstSeen)) {
            try (Connection c = jdbc.dataSource().getConnection()) {
                c.setAutoCommit(false);
                for (int i = 0; i < perKey; i++) {
                    for (int k = 0; k < keys; k++) {
                        jdbc.outbox().emit(c, "shipments", "key-" + k, "key-" + k + "/" + i);
                    }
                    c.commit();
                }
            }
            try (ChildProcess relay = ChildProcess.start("relay", relayEnv)) {
                relay.await("RELAYING", WAIT);
                await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
                        .until(() -> deliveries.get() >= keys * perKey / 4);
                relay.kill();
            }
            int atKill = deliveries.get();
            try (ChildProcess relay = ChildProcess.start("relay", relayEnv)) {
                await().atMost(WAIT).until(() -> TestDatabases.count(url,
                        "SELECT COUNT(DISTINCT event_id) FROM effects_" + suffix) == keys * perKey);
            }
            assertThat(atKill).as("the relay was killed before it published everything").isLessThan(keys * perKey);
        }
        assertThat(TestDatabases.count(url, "SELECT COUNT(*) FROM effects_" + suffix)).isEqualTo(keys * perKey);
        assertThat(TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_outbox")).isZero();
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (String data : firstSeen) {
            byKey.computeIfAbsent(data.substring(0, data.indexOf('/')), k -> new ArrayList<>())
                    .add(Integer.parseInt(data.substring(data.indexOf('/') + 1)));
        }
        byKey.values().forEach(seq -> assertThat(seq).isSorted().hasSize(perKey));
    }

    /**
     * The app that fills the outbox (it does not relay) and consumes the shipments with an idempotent
     * consumer: one effect per event; {@code deliveries} counts every delivery, repeats included.
     */
    private App downstream(Map<String, String> appEnv, Jdbc jdbc, AtomicInteger deliveries, List<String> firstSeen) {
        return App.builder().environment(appEnv).extension(jdbc)
                .intercept("shipments", chain -> {
                    deliveries.incrementAndGet();
                    chain.proceed();
                })
                .intercept("shipments", jdbc.idempotent())
                .processor("shipments", String.class, (e, ctx) -> {
                    try (PreparedStatement ps = Jdbc.connection(ctx).prepareStatement("INSERT INTO effects_" + suffix
                            + " VALUES (?, ?)")) {
                        ps.setString(1, e.id());
                        ps.setString(2, e.data());
                        ps.executeUpdate();
                    }
                    firstSeen.add(e.data());
                })
                .output("shipments").build().start();
    }
}
