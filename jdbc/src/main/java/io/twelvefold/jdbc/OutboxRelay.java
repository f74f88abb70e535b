package io.twelvefold.jdbc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.twelvefold.core.EventPublisher;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay: one thread that publishes the outbox's rows through the app's publisher and deletes
 * them once the broker confirmed them, and deletes processed event ids past their retention.
 *
 * <p>A round runs in one transaction: lock the slots no other relay holds, read their oldest rows,
 * publish them in id order, wait for every confirmation, delete the confirmed rows, commit. A row
 * whose send failed stays, and so do the later rows of its key (they go out again after it, to keep
 * the key's order).
 *
 * <p>Between rounds: none after a full batch; a {@link #BUSY_PAUSE_MILLIS} pause while the relay is
 * busy (a round found rows less than {@link #LINGER_MILLIS} ago); otherwise a sleep until a wake-up
 * (a local commit, a PostgreSQL notification) or the poll interval. The busy rounds keep a steady
 * stream of commits from depending on wake-ups, which come late under such a stream: the driver's
 * {@code getNotifications} returns only after a millisecond without a notification, so at about
 * 1,000 commits/s they arrive in batches 20 to 40 ms apart (bench/README.md, "Outbox latency").
 */
final class OutboxRelay implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(30);
    /** While busy (see the class comment): the pause between rounds. */
    private static final long BUSY_PAUSE_MILLIS = 5;
    /** How long the relay stays busy after the last round that found rows. */
    private static final long LINGER_MILLIS = 200;
    private static final Set<String> CONTENTION = Set.of("HYT00", "40001", "40P01", "55P03");

    private final DataSource dataSource;
    private final JdbcSettings settings;
    private final EventPublisher publisher;
    private final Object wakeLock = new Object();
    /** Guarded by wakeLock. */
    private boolean woken;
    private volatile boolean running = true;
    private volatile Thread thread;
    /** The rows whose last send failed (their WARN was logged): only the relay's thread. */
    private final Set<Long> unconfirmed = new HashSet<>();
    private volatile long backlog;
    private volatile long oldestMs;
    private volatile String problem;
    private volatile Counter published;
    private volatile Timer delay;

    OutboxRelay(DataSource dataSource, JdbcSettings settings, EventPublisher publisher) {
        this.dataSource = dataSource;
        this.settings = settings;
        this.publisher = publisher;
    }

    void start() {
        Thread t = new Thread(this, "twelvefold-outbox-relay");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** There may be new rows: run a round now rather than at the next poll. */
    void wake() {
        synchronized (wakeLock) {
            woken = true;
            wakeLock.notifyAll();
        }
    }

    /** Finishes the round in progress (its confirmed rows are deleted) and stops. */
    void stop() {
        running = false;
        wake();
        Thread t = thread;
        if (t == null) {
            return;
        }
        try {
            t.join(CONFIRM_TIMEOUT.toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            // its unconfirmed rows stay in the outbox: published again by the next relay
            t.interrupt();
        }
    }

    @Override
    public void run() {
        long nextCleanup = System.currentTimeMillis();
        long nextBacklog = 0;
        long poll = settings.relayPollInterval().toMillis();
        long busyUntil = 0;
        while (running) {
            long pause = poll;
            try {
                int rows = settings.relayEnabled() ? round() : 0;
                long now = System.currentTimeMillis();
                if (rows > 0) {
                    busyUntil = now + LINGER_MILLIS;
                }
                if (rows >= settings.relayBatchSize()) {
                    pause = 0;
                } else if (now < busyUntil) {
                    pause = BUSY_PAUSE_MILLIS;
                }
                if (now >= nextBacklog) {
                    refreshBacklog();
                    nextBacklog = now + poll;
                }
                if (now >= nextCleanup) {
                    cleanup(now);
                    nextCleanup = now + settings.cleanupInterval().toMillis();
                }
                recovered();
            } catch (SQLException e) {
                busyUntil = 0;
                if (CONTENTION.contains(e.getSQLState())) {
                    LOG.debug("Another relay holds the outbox; trying again later", e);
                } else {
                    failed(e);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                busyUntil = 0;
                failed(e);
            }
            if (pause > 0) {
                sleep(pause);
            }
        }
    }

    private void failed(Exception e) {
        String now = e.getClass().getSimpleName() + ": " + DatabaseUrl.redact(String.valueOf(e.getMessage()));
        if (problem == null) {
            // once per outage: the rounds that fail the same way meanwhile say so at DEBUG
            LOG.warn("The outbox relay failed a round; it tries again every {} until one succeeds: {}",
                    settings.relayPollInterval(), now);
        } else {
            LOG.debug("The outbox relay failed another round: {}", now);
        }
        problem = now;
    }

    private void recovered() {
        if (problem != null) {
            LOG.info("The outbox relay runs its rounds again");
            problem = null;
        }
    }

    private void sleep(long millis) {
        synchronized (wakeLock) {
            long end = System.currentTimeMillis() + millis;
            try {
                while (!woken && running) {
                    long left = end - System.currentTimeMillis();
                    if (left <= 0) {
                        break;
                    }
                    wakeLock.wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            woken = false;
        }
    }

    /** @return how many rows it read */
    int round() throws SQLException, InterruptedException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Integer> slots = claim(c);
                List<OutboxStore.Row> rows = slots.isEmpty() ? List.of()
                        : OutboxStore.oldest(c, slots, settings.relayBatchSize());
                List<OutboxStore.Row> done = publish(rows);
                OutboxStore.delete(c, done.stream().map(OutboxStore.Row::id).toList());
                c.commit();
                confirmed(done);
                return rows.size();
            } catch (SQLException | RuntimeException | InterruptedException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private List<Integer> claim(Connection c) throws SQLException {
        List<Integer> slots = new ArrayList<>(OutboxStore.SLOTS);
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(dialect().claimSlots())) {
            while (rs.next()) {
                slots.add(rs.getInt(1));
            }
        }
        return slots;
    }

    private Dialect dialect() {
        return settings.database().dialect();
    }

    /** Publishes rows in order and waits for the broker; @return the rows that may be deleted */
    private List<OutboxStore.Row> publish(List<OutboxStore.Row> rows) throws InterruptedException {
        List<CompletableFuture<Void>> sends = new ArrayList<>(rows.size());
        for (OutboxStore.Row r : rows) {
            CompletableFuture<Void> f;
            try {
                f = publisher.publish(r.channel(), r.event()).toCompletableFuture();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            sends.add(f);
        }
        try {
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).exceptionally(e -> null)
                    .get(CONFIRM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // the unconfirmed rows stay, below
        }
        List<OutboxStore.Row> done = new ArrayList<>(rows.size());
        Set<String> heldKeys = new HashSet<>();
        Set<Long> failed = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            OutboxStore.Row r = rows.get(i);
            CompletableFuture<Void> f = sends.get(i);
            if (r.key() != null && heldKeys.contains(r.key())) {
                continue; // sent after a failed row of its key: sent again after it, next round
            }
            if (f.isDone() && !f.isCompletedExceptionally()) {
                done.add(r);
                continue;
            }
            if (r.key() != null) {
                heldKeys.add(r.key());
            }
            failed.add(r.id());
            String why = f.isDone() ? f.handle((v, e) -> String.valueOf(e)).join()
                    : "no confirmation in " + CONFIRM_TIMEOUT;
            if (unconfirmed.contains(r.id())) {
                LOG.debug("Outbox row {} was not confirmed again: {}", r.id(), why);
            } else {
                LOG.warn("Outbox row {} (event '{}' for channel '{}') was not confirmed; it is published again in"
                        + " the next rounds (said once per row): {}", r.id(), r.event().id(), r.channel(), why);
            }
        }
        // remembers only the rows that fail now: one that went out is forgotten
        unconfirmed.retainAll(failed);
        unconfirmed.addAll(failed);
        return done;
    }

    private void confirmed(List<OutboxStore.Row> done) {
        Counter c = published;
        Timer t = delay;
        long now = System.currentTimeMillis();
        for (OutboxStore.Row r : done) {
            if (t != null) {
                t.record(Math.max(0, now - r.createdAtMs()), TimeUnit.MILLISECONDS);
            }
        }
        if (c != null) {
            c.increment(done.size());
        }
    }

    private void refreshBacklog() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            long[] b = OutboxStore.backlog(c);
            backlog = b[0];
            oldestMs = b[1];
        }
    }

    private void cleanup(long now) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM twelvefold_processed WHERE processed_at_ms < ?")) {
            ps.setLong(1, now - settings.processedRetention().toMillis());
            int n = ps.executeUpdate();
            if (n > 0) {
                LOG.debug("Deleted {} processed event ids older than {}", n, settings.processedRetention());
            }
        }
    }

    /** @return seconds since the oldest waiting row was written, 0 when none waits */
    double lagSeconds() {
        long oldest = oldestMs;
        return backlog == 0 || oldest == 0 ? 0 : Math.max(0, System.currentTimeMillis() - oldest) / 1000.0;
    }

    long backlog() {
        return backlog;
    }

    /** @return why the last round failed, or null when it did not */
    String problem() {
        return problem;
    }

    void register(MeterRegistry registry) {
        Gauge.builder("twelvefold.outbox.backlog", this, OutboxRelay::backlog)
                .description("Outbox rows waiting to be published").baseUnit("rows").register(registry);
        Gauge.builder("twelvefold.outbox.lag", this, OutboxRelay::lagSeconds)
                .description("Age of the oldest outbox row waiting to be published").baseUnit("seconds")
                .register(registry);
        published = Counter.builder("twelvefold.outbox.published")
                .description("Outbox rows published and confirmed by the broker").register(registry);
        delay = Timer.builder("twelvefold.outbox.delay")
                .description("From an outbox row's write to the broker's confirmation").register(registry);
    }
}
