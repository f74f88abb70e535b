package io.twelvefold.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the relay when PostgreSQL announces a commit that wrote to the outbox ({@code LISTEN
 * twelvefold_outbox}; the schema's trigger notifies). Holds one connection of the pool. The driver's
 * {@code PGConnection} is reached by reflection, so the module does not depend on the driver. When
 * listening fails, the relay still polls; the listener tries again after its retry interval (the
 * poll interval, at most a second), with one WARN per outage and one INFO when it listens again.
 */
final class PgListener implements Runnable {
    static final String CHANNEL = "twelvefold_outbox";
    private static final Logger LOG = LoggerFactory.getLogger(PgListener.class);
    private static final int WAIT_MILLIS = 500;

    private final DataSource dataSource;
    private final Runnable wake;
    private final Duration retry;
    private volatile boolean running = true;
    private volatile Thread thread;
    /** Whether the last attempt to listen failed (its WARN said so): only the listener's thread. */
    private boolean failing;

    PgListener(DataSource dataSource, Runnable wake, Duration retry) {
        this.dataSource = dataSource;
        this.wake = wake;
        this.retry = retry;
    }

    void start() {
        Thread t = new Thread(this, "twelvefold-outbox-listener");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            try {
                t.join(WAIT_MILLIS * 4L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                listen();
            } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
                if (!running) {
                    return;
                }
                String why = DatabaseUrl.redact(String.valueOf(e.getMessage()));
                if (!failing) {
                    // once per outage; the attempts that fail meanwhile say so at DEBUG
                    failing = true;
                    LOG.warn("Listening for outbox notifications failed; the relay polls until it listens again,"
                            + " tried every {}: {}", retry, why);
                } else {
                    LOG.debug("Listening for outbox notifications failed again: {}", why);
                }
                try {
                    Thread.sleep(retry.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void listen() throws SQLException, ReflectiveOperationException {
        try (Connection c = dataSource.getConnection()) {
            Class<?> pgType = Class.forName("org.postgresql.PGConnection", true, c.getClass().getClassLoader());
            Object pg = c.unwrap(pgType);
            Method notifications = pgType.getMethod("getNotifications", int.class);
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN " + CHANNEL);
            }
            if (failing) {
                failing = false;
                LOG.info("Listening for outbox notifications again");
            }
            // rows may have been written while nobody listened
            wake.run();
            while (running) {
                Object[] got;
                try {
                    got = (Object[]) notifications.invoke(pg, WAIT_MILLIS);
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof SQLException s ? s : new SQLException(e.getCause());
                }
                if (got != null && got.length > 0) {
                    wake.run();
                }
            }
        }
    }
}
