package io.twelvefold.jdbc;

import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.ProcessorInterceptor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the rest of the chain in one database transaction, committed when it returns and rolled back
 * when it throws (so a retry starts clean). The idempotent variant first records the event id for
 * the consumer group; when the id is recorded already, the event was processed and committed
 * before, and the attempt ends as a success without running the processor.
 */
final class TransactionInterceptor implements ProcessorInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionInterceptor.class);
    /** SQLSTATE of a unique constraint violation, in PostgreSQL and H2 alike. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String RECORD = "INSERT INTO twelvefold_processed (consumer_group, event_id,"
            + " processed_at_ms) VALUES (?, ?, ?)";
    /**
     * The transaction of the attempt running on this thread, for {@link #connection} when an inner
     * interceptor decorated the context again.
     */
    private static final ThreadLocal<TransactionContext> CURRENT = new ThreadLocal<>();

    private final Database database;
    private final boolean idempotent;

    TransactionInterceptor(Database database, boolean idempotent) {
        this.database = database;
        this.idempotent = idempotent;
    }

    @Override
    public void intercept(Chain chain) throws Exception {
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            boolean committed = false;
            try {
                if (idempotent && !record(c, chain.context().group(), chain.event().id())) {
                    LOG.debug("Event '{}' was processed by group '{}' before: acknowledged without processing it"
                            + " again", chain.event().id(), chain.context().group());
                    database.skipped(chain.context().channel());
                    return;
                }
                TransactionContext tx = new TransactionContext(chain.context(), c, database);
                TransactionContext outer = CURRENT.get();
                CURRENT.set(tx);
                try {
                    chain.proceed(chain.event(), tx);
                } finally {
                    if (outer == null) {
                        CURRENT.remove();
                    } else {
                        CURRENT.set(outer);
                    }
                    tx.close();
                }
                c.commit();
                committed = true;
                if (tx.emitted()) {
                    database.outboxCommitted();
                }
            } finally {
                if (!committed) {
                    rollback(c);
                }
            }
        }
    }

    /** @return true when the id was recorded now, false when it was recorded before */
    private static boolean record(Connection c, String group, String eventId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RECORD)) {
            ps.setString(1, group);
            ps.setString(2, eventId);
            ps.setLong(3, System.currentTimeMillis());
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            // the connection is broken: the database drops the transaction with it
            LOG.debug("Rollback failed", e);
        }
    }

    /** The transaction of an attempt: see {@link Jdbc#connection(ProcessorContext)}. */
    static Connection connection(ProcessorContext context) {
        if (context instanceof TransactionContext tx) {
            return tx.connection();
        }
        TransactionContext tx = CURRENT.get();
        if (tx != null) {
            return tx.connection();
        }
        throw new IllegalStateException("Channel '" + context.channel() + "' has no JDBC transaction in progress;"
                + " intercept it with jdbc.idempotent() or jdbc.transactional() (App.Builder.intercept) and call"
                + " Jdbc.connection(context) while the processor runs");
    }
}
