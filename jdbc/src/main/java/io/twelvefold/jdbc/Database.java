package io.twelvefold.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.ExtensionContext;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database of an app: its settings, the pool (opened on first use, which may come before the
 * extension's start, since events flow once the subscriptions are open) and what the relay needs.
 */
final class Database {
    /** The longest wait before listening again after the listener's connection failed. */
    private static final Duration LISTEN_RETRY = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    private final String defaultUrl;
    private volatile JdbcSettings settings;
    private volatile Codec codec;
    private volatile EventPublisher publisher;
    private volatile OutboxRelay relay;
    private volatile PgListener listener;
    /** Guarded by skips: events skipped by idempotent consumers, per channel, and where they are shown. */
    private final Map<String, AtomicLong> skips = new HashMap<>();
    private MeterRegistry registry;
    /** Guarded by this. */
    private HikariDataSource pool;
    /** The pool once open: read without the lock on every attempt. */
    private volatile DataSource ready;
    /** Guarded by this. */
    private boolean closed;

    Database(String defaultUrl) {
        this.defaultUrl = defaultUrl;
    }

    String defaultUrl() {
        return defaultUrl;
    }

    /** Reads the settings; connects to nothing. */
    void configure(ExtensionContext context) {
        settings = JdbcSettings.parse(context.properties(), context.environment(), defaultUrl);
        codec = context.codec();
    }

    JdbcSettings settings() {
        JdbcSettings s = settings;
        if (s == null) {
            throw new IllegalStateException("The database is not configured yet; register the Jdbc extension with"
                    + " App.Builder.extension(jdbc) and use it once the app is built");
        }
        return s;
    }

    Codec codec() {
        return codec;
    }

    void publisher(EventPublisher p) {
        this.publisher = p;
    }

    /** @return the app's publisher, or null before the extension started */
    EventPublisher publisher() {
        return publisher;
    }

    /** @return the relay, or null before the extension started */
    OutboxRelay relay() {
        return relay;
    }

    /** Opens the pool, checks the schema is there, starts the relay (and on PostgreSQL its listener). */
    void start() {
        JdbcSettings s = settings();
        DataSource ds = dataSource();
        checkSchema(ds, s);
        OutboxRelay r = new OutboxRelay(ds, s, publisher);
        relay = r;
        r.start();
        if (s.relayEnabled() && s.database().dialect() == Dialect.POSTGRESQL) {
            // a cut listener listens again within a second, however long the poll interval
            Duration retry = s.relayPollInterval().compareTo(LISTEN_RETRY) < 0 ? s.relayPollInterval() : LISTEN_RETRY;
            PgListener l = new PgListener(ds, r::wake, retry);
            listener = l;
            l.start();
        }
    }

    private static void checkSchema(DataSource ds, JdbcSettings s) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM twelvefold_outbox_slot")) {
            rs.next();
            if (rs.getInt(1) == OutboxStore.SLOTS) {
                return;
            }
        } catch (SQLException e) {
            LOG.debug("Schema check failed", e);
        }
        throw new TransportException("Database '" + s.database() + "' lacks the twelvefold-jdbc schema; run the"
                + " app's 'migrate' command, or set twelvefold.jdbc.migrate-at-start (TWELVEFOLD_JDBC_MIGRATE_AT_START)"
                + " to true");
    }

    /** An idempotent consumer acknowledged a redelivered event without processing it. */
    void skipped(String channel) {
        // rare (redeliveries only): a lock is cheap here, and no skip before READY is lost
        synchronized (skips) {
            skips.computeIfAbsent(channel, c -> {
                AtomicLong n = new AtomicLong();
                if (registry != null) {
                    showSkips(registry, c, n);
                }
                return n;
            }).incrementAndGet();
        }
    }

    private static void showSkips(MeterRegistry registry, String channel, AtomicLong n) {
        FunctionCounter.builder("twelvefold.idempotent.skipped", n, AtomicLong::doubleValue).tag("channel", channel)
                .description("Redelivered events an idempotent consumer acknowledged without processing them")
                .register(registry);
    }

    /** Registers the relay's meters and the skipped events', once the app is ready. */
    void register(MeterRegistry registry) {
        synchronized (skips) {
            this.registry = registry;
            skips.forEach((c, n) -> showSkips(registry, c, n));
        }
        OutboxRelay r = relay;
        if (r != null) {
            r.register(registry);
        }
    }

    /** Stops the listener and the relay (finishing its round), then closes the pool. */
    void stop() {
        PgListener l = listener;
        if (l != null) {
            l.stop();
        }
        OutboxRelay r = relay;
        if (r != null) {
            r.stop();
        }
        close();
    }

    /** A transaction that wrote to the outbox committed: the local relay need not wait for its next poll. */
    void outboxCommitted() {
        OutboxRelay r = relay;
        if (r != null) {
            r.wake();
        }
    }

    /** @return the pool, opened (and the schema applied, if so configured) on first use */
    DataSource dataSource() {
        DataSource ds = ready;
        return ds != null ? ds : openOnce();
    }

    private synchronized DataSource openOnce() {
        if (closed) {
            throw new IllegalStateException("The database's pool is closed: the app stopped");
        }
        if (pool == null) {
            pool = open(settings());
            ready = pool;
        }
        return pool;
    }

    private static HikariDataSource open(JdbcSettings s) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("twelvefold-jdbc");
        c.setJdbcUrl(s.database().jdbcUrl());
        if (s.database().user() != null) {
            c.setUsername(s.database().user());
        }
        if (s.database().password() != null) {
            c.setPassword(s.database().password());
        }
        c.setMaximumPoolSize(s.poolSize());
        c.setConnectionTimeout(Math.max(250, s.connectionTimeout().toMillis()));
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(c);
        } catch (RuntimeException e) {
            throw unreachable(s, e);
        }
        if (s.migrateAtStart()) {
            try (Connection conn = ds.getConnection()) {
                int n = Schema.apply(conn, s.database().dialect());
                LOG.info("Applied the twelvefold-jdbc schema ({} statements) to {}", n, s.database());
            } catch (SQLException | RuntimeException e) {
                ds.close();
                throw new TransportException("Database '" + s.database() + "' refused the twelvefold-jdbc schema: "
                        + e.getMessage() + "; apply it by hand (see docs/databases.md) or fix the database", e);
            }
        }
        return ds;
    }

    static TransportException unreachable(JdbcSettings s, Exception e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return new TransportException("Database '" + s.database() + "' cannot be reached: " + cause.getMessage()
                + "; check DATABASE_URL and that the database is running", e);
    }

    /** Closes the pool, if it was opened. */
    synchronized void close() {
        closed = true;
        ready = null;
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }
}
