package io.twelvefold.bench.jdbc;

import io.twelvefold.bench.kafka.KafkaBroker;
import io.twelvefold.bench.rabbitmq.RabbitBroker;
import io.twelvefold.core.App;
import io.twelvefold.jdbc.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The database figures of bench/README.md, on PostgreSQL ({@code DATABASE_URL}, else the local
 * {@code test} database): not a timed test, a program that prints its results.
 *
 * <pre>
 * relay kafka|rabbitmq [rows, 20000]
 *     the outbox is filled (by an app that does not relay), then an app starts whose relay publishes the
 *     rows to a processor of the same app: rows/s from the first delivery to the last
 * relay kafka|rabbitmq|inmemory rows rate
 *     an app writes one row per transaction to its outbox, outside any processor, at the rate, while its
 *     relay publishes them: commit-to-publish (the broker's confirmation of the row, noted by
 *     ConfirmClock) and commit-to-delivery latency (p50, p99, max); only NOTIFY (or the 1 s poll,
 *     or the relay's busy rounds) finds such commits; inmemory leaves the broker out.
 *     BrokerLatencyFloor is the baseline: the plain clients at the same rate
 * idempotency [events, 20000]
 *     one processor inserting a row per event, on the in-memory transport, with jdbc.transactional()
 *     and with jdbc.idempotent(): time per event of each
 * </pre>
 */
public final class OutboxBench {
    private static final String DATABASE = System.getenv().getOrDefault("DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/test");

    private OutboxBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "relay" -> relay(args[1], arg(args, 2, 20_000), arg(args, 3, 0));
            case "idempotency" -> idempotency(arg(args, 1, 20_000));
            default -> {
                System.err.println("usage: relay kafka|rabbitmq|inmemory [rows] [rate] | idempotency [events]");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static int arg(String[] args, int i, int otherwise) {
        return args.length > i ? Integer.parseInt(args[i]) : otherwise;
    }

    private static void relay(String transport, int rows, int rate) throws Exception {
        Map<String, String> env = new HashMap<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String destination = "outbox-bench-" + run;
        AutoCloseable broker = switch (transport) {
            case "kafka" -> {
                KafkaBroker k = KafkaBroker.fromEnvironmentOrStart();
                env.put("TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS", k.bootstrapServers());
                yield k;
            }
            case "rabbitmq" -> {
                RabbitBroker r = RabbitBroker.fromEnvironment();
                env.put("TWELVEFOLD_RABBITMQ_URI", r.uri());
                // the bench's durable queues and exchanges go when it ends
                yield () -> {
                    r.delete(List.of(destination + "." + destination, destination + ".dlq." + destination),
                            List.of(destination, destination + ".dlq"));
                    r.close();
                };
            }
            case "inmemory" -> (AutoCloseable) () -> { };
            default -> throw new IllegalArgumentException("transport must be kafka, rabbitmq or inmemory, was '" + transport + "'");
        };
        env.putAll(Map.of("DATABASE_URL", DATABASE, "TWELVEFOLD_TRANSPORT", transport,
                "TWELVEFOLD_JDBC_MIGRATE_AT_START", "true", "TWELVEFOLD_CHANNELS_SHIPMENTS_DESTINATION", destination));
        AtomicLongArray committed = new AtomicLongArray(rows);
        if (rate == 0) {
            // throughput: the outbox is filled first, by an app that does not relay
            Map<String, String> writerEnv = new HashMap<>(env);
            writerEnv.put("TWELVEFOLD_JDBC_RELAY_ENABLED", "false");
            Jdbc writer = Jdbc.create();
            try (App app = App.builder().name("outbox-writer-" + run).environment(writerEnv).extension(writer)
                    .output("shipments").build().start()) {
                clear(writer);
                long t = System.nanoTime();
                write(writer, rows, 0, committed);
                System.out.printf(Locale.ROOT, "filled the outbox with %d rows in %d ms%n", rows,
                        (System.nanoTime() - t) / 1_000_000);
            }
        }
        long[] latency = new long[rows];
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        CountDownLatch all = new CountDownLatch(rows);
        Jdbc jdbc = Jdbc.create();
        AtomicLongArray confirmed = new AtomicLongArray(rows);
        try (broker; App app = App.builder().name(destination).environment(env).extension(jdbc)
                .transportProvider(new ConfirmClock(transport, confirmed))
                .processor("shipments", String.class, (e, ctx) -> {
                    long now = System.nanoTime();
                    first.compareAndSet(0, now);
                    last.set(now);
                    int seq = Integer.parseInt(e.data());
                    long c = committed.get(seq);
                    latency[seq] = c == 0 ? 0 : now - c;
                    all.countDown();
                })
                .output("shipments").build().start()) {
            long t0 = System.nanoTime();
            if (rate > 0) {
                clear(jdbc);
                write(jdbc, rows, rate, committed);
            }
            if (!all.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("only " + (rows - all.getCount()) + " of " + rows + " rows arrived");
            }
            if (rate == 0) {
                System.out.printf(Locale.ROOT, "relay %s rows=%d: all delivered %d ms after the relay's start;"
                        + " %.0f rows/s from the first delivery to the last%n", transport, rows,
                        (last.get() - t0) / 1_000_000, (rows - 1) * 1e9 / (last.get() - first.get()));
            } else {
                long[] published = new long[rows];
                for (int seq = 0; seq < rows; seq++) {
                    published[seq] = confirmed.get(seq) - committed.get(seq);
                }
                Arrays.sort(published);
                Arrays.sort(latency);
                System.out.printf(Locale.ROOT, "relay %s rows=%d at %d/s, one row per transaction, committed"
                        + " outside the app's processors: commit-to-publish (the broker's confirmation) p50 %.1f ms,"
                        + " p99 %.1f ms, max %.1f ms; commit-to-delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        transport, rows, rate, published[rows / 2] / 1e6, published[(int) (rows * 0.99)] / 1e6,
                        published[rows - 1] / 1e6, latency[rows / 2] / 1e6, latency[(int) (rows * 0.99)] / 1e6,
                        latency[rows - 1] / 1e6);
            }
        }
    }

    private static void clear(Jdbc jdbc) throws Exception {
        try (Connection c = jdbc.dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("DELETE FROM twelvefold_outbox");
            if (DATABASE.startsWith("postgres")) {
                // the dead rows of earlier runs slow the relay's reads where autovacuum is off
                st.execute("VACUUM twelvefold_outbox");
            }
        }
    }

    /** Writes the rows, 100 per transaction as fast as it goes, or one per transaction at the rate. */
    private static void write(Jdbc jdbc, int rows, int rate, AtomicLongArray committed) throws Exception {
        int perTx = rate == 0 ? 100 : 1;
        long start = System.nanoTime();
        try (Connection c = jdbc.dataSource().getConnection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < rows; i += perTx) {
                if (rate > 0) {
                    long due = start + (long) i * 1_000_000_000L / rate;
                    while (System.nanoTime() < due) {
                        LockSupport.parkNanos(due - System.nanoTime());
                    }
                }
                int end = Math.min(rows, i + perTx);
                for (int seq = i; seq < end; seq++) {
                    jdbc.outbox().emit(c, "shipments", "key-" + (seq % 64), Integer.toString(seq));
                }
                c.commit();
                long now = System.nanoTime();
                for (int seq = i; seq < end; seq++) {
                    committed.set(seq, now);
                }
            }
        }
    }

    private static void idempotency(int events) throws Exception {
        for (String variant : new String[] {"transactional", "idempotent", "transactional", "idempotent"}) {
            String run = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
            String table = "bench_effects_" + run;
            Jdbc jdbc = Jdbc.create();
            CountDownLatch all = new CountDownLatch(events);
            try (App app = App.builder().name("idem-" + run)
                    .environment(Map.of("DATABASE_URL", DATABASE, "TWELVEFOLD_JDBC_MIGRATE_AT_START", "true"))
                    .config("twelvefold.inmemory.broker", "idem-" + run).extension(jdbc)
                    .intercept("orders", chain -> {
                        chain.proceed();
                        all.countDown(); // after the commit of the interceptor inside
                    })
                    .intercept("orders", variant.equals("idempotent") ? jdbc.idempotent() : jdbc.transactional())
                    .processor("orders", String.class, (e, ctx) -> {
                        try (PreparedStatement ps = Jdbc.connection(ctx).prepareStatement("INSERT INTO " + table
                                + " VALUES (?, ?)")) {
                            ps.setString(1, e.id());
                            ps.setString(2, e.data());
                            ps.executeUpdate();
                        }
                    })
                    .output("orders").build().start()) {
                try (Connection c = jdbc.dataSource().getConnection(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE " + table + " (event_id VARCHAR(255) NOT NULL, data VARCHAR(255))");
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < events; i++) {
                    app.publisher().publish("orders", "key-" + (i % 64), "order " + i);
                }
                if (!all.await(10, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("not every event was processed");
                }
                long t1 = System.nanoTime();
                System.out.printf(Locale.ROOT, "%-13s events=%d: %.0f events/s, %.1f us per event%n", variant, events,
                        events * 1e9 / (t1 - t0), (t1 - t0) / 1e3 / events);
                try (Connection c = jdbc.dataSource().getConnection(); Statement st = c.createStatement()) {
                    st.execute("DROP TABLE " + table);
                }
            }
        }
    }
}
