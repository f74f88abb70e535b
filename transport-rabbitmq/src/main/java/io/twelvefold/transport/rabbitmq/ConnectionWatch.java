package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ExceptionHandler;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.TopologyRecoveryException;
import com.rabbitmq.client.impl.StrictExceptionHandler;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator, in two lines, that the transport lost its broker and got it back: one WARN
 * when the first of its connections drops (with what was in flight then: the sends the broker had
 * not confirmed and the deliveries the runtime had not acknowledged), one INFO when the last of
 * them is recovered (with what that cost: the sends published again and the deliveries left to the
 * broker to deliver again). Both come from the client's own listeners, synchronously, so they are
 * logged every time.
 *
 * <p>Its {@link #exceptionHandler()} replaces the client's default one, which logs every failed
 * attempt to reconnect as an ERROR with a stack trace: failures to reach the broker while it is
 * away are DEBUG; a failure of another kind (refused credentials after a password change, a
 * topology that cannot be recovered) is a WARN, once per outage and kind; an exception thrown by
 * one of the transport's own listeners (a bug) stays an ERROR with its stack trace.
 *
 * <p>Thread-safe.
 */
final class ConnectionWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionWatch.class);

    private final RabbitMqConfig config;
    private final RabbitMqMeters meters;
    private final AtomicInteger resent = new AtomicInteger();
    private final AtomicInteger redelivered = new AtomicInteger();
    /** The connections lost and not yet recovered, by role; guarded by this. */
    private final Set<String> lost = new LinkedHashSet<>();
    /** The kinds of recovery failures told at WARN during the current outage; guarded by this. */
    private final Set<String> told = new HashSet<>();
    private long lostAt;
    private volatile IntSupplier unconfirmedSends = () -> 0;
    private volatile IntSupplier unacknowledged = () -> 0;

    ConnectionWatch(RabbitMqConfig config, RabbitMqMeters meters) {
        this.config = config;
        this.meters = meters;
    }

    /**
     * Where the counts of the WARN line come from.
     *
     * @param unconfirmedSends the sends published or held and not yet confirmed
     * @param unacknowledged the deliveries handed out and not yet acknowledged
     */
    void counts(IntSupplier unconfirmedSends, IntSupplier unacknowledged) {
        this.unconfirmedSends = unconfirmedSends;
        this.unacknowledged = unacknowledged;
    }

    /**
     * Watches a connection of the transport.
     *
     * @param connection the connection, never null
     * @param publishing whether it is the publishing one (else the consuming one)
     */
    void watch(Connection connection, boolean publishing) {
        String role = publishing ? "publishing" : "consuming";
        connection.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication()) {
                lost(role, role + " connection '" + connection.getClientProvidedName() + "': " + reason(cause));
            }
        });
        if (connection instanceof Recoverable recoverable) {
            recoverable.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable r) {
                    meters.recovered(publishing);
                    recovered(role);
                }

                @Override
                public void handleRecoveryStarted(Recoverable r) {
                    // told when the connection was lost
                }
            });
        }
    }

    /** Sends published again after a recovery. */
    void resent(int count) {
        resent.addAndGet(count);
    }

    /** Deliveries voided by a lost channel: the broker delivers them again. */
    void redelivered(int count) {
        redelivered.addAndGet(count);
    }

    private void lost(String role, String what) {
        // read without any lock: this runs on the client's thread of the lost connection
        int sends = unconfirmedSends.getAsInt();
        int deliveries = unacknowledged.getAsInt();
        synchronized (this) {
            boolean first = lost.isEmpty();
            lost.add(role);
            if (!first) {
                LOG.debug("RabbitMQ {} lost too", what);
                return;
            }
            lostAt = System.nanoTime();
            told.clear();
        }
        LOG.warn("RabbitMQ connection lost ({}); in flight: {} send(s) not yet confirmed, {} delivery(ies) not yet "
                + "acknowledged; reconnecting every {}", what, sends, deliveries,
                ConfigReader.format(config.recoveryInterval()));
    }

    private void recovered(String role) {
        long millis;
        synchronized (this) {
            if (!lost.remove(role)) {
                return; // lost before the watch knew of it
            }
            if (!lost.isEmpty()) {
                LOG.debug("RabbitMQ {} connection recovered; waiting for the {} one", role, lost);
                return;
            }
            millis = (System.nanoTime() - lostAt) / 1_000_000;
        }
        LOG.info("RabbitMQ connection recovered after {} ms: {} send(s) published again, {} delivery(ies) left to the "
                + "broker to deliver again", millis, resent.getAndSet(0), redelivered.getAndSet(0));
    }

    /** @return whether a failure to recover is told at WARN: its kind not yet told in this outage */
    private synchronized boolean firstOfKind(Throwable failure) {
        return told.add(failure.getClass().getName());
    }

    /** A connection's closing reason in a few words: the broker's reply, or the cause. */
    static String reason(ShutdownSignalException cause) {
        if (cause.getReason() instanceof AMQP.Connection.Close close) {
            return close.getReplyCode() + " " + close.getReplyText();
        }
        Throwable t = cause.getCause();
        return t == null ? String.valueOf(cause.getMessage()) : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Whether a failure only says that the broker cannot be reached (yet). */
    private static boolean unreachable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c instanceof SocketTimeoutException || c instanceof TimeoutException
                    || c instanceof UnknownHostException || c instanceof NoRouteToHostException
                    || c instanceof java.net.SocketException || c instanceof java.io.EOFException) {
                return true;
            }
            if (c instanceof AuthenticationFailureException) {
                return false;
            }
        }
        return false;
    }

    /** @return the client's exception handler for this transport's connections */
    ExceptionHandler exceptionHandler() {
        return new Handler();
    }

    /**
     * The client's exception handler: what the client's default one does (a listener that throws
     * closes its channel), with quiet logs.
     */
    private final class Handler extends StrictExceptionHandler {
        @Override
        public void handleUnexpectedConnectionDriverException(Connection connection, Throwable exception) {
            // the connection is lost: the shutdown listener tells it, once
            LOG.debug("RabbitMQ connection '{}' failed", connection.getClientProvidedName(), exception);
        }

        @Override
        public void handleConnectionRecoveryException(Connection connection, Throwable exception) {
            recoveryFailed("reconnect", exception);
        }

        @Override
        public void handleChannelRecoveryException(Channel channel, Throwable exception) {
            recoveryFailed("recover channel " + channel.getChannelNumber(), exception);
        }

        @Override
        public void handleTopologyRecoveryException(Connection connection, Channel channel,
                TopologyRecoveryException exception) {
            recoveryFailed("recover its exchanges, queues, bindings and consumers", exception);
        }

        private void recoveryFailed(String what, Throwable exception) {
            if (unreachable(exception) || !firstOfKind(exception)) {
                LOG.debug("RabbitMQ transport could not {} yet", what, exception);
            } else {
                LOG.warn("RabbitMQ transport could not {}: {}; trying again every {}", what, exception.toString(),
                        ConfigReader.format(config.recoveryInterval()));
            }
        }

        @Override
        protected void log(String message, Throwable e) {
            // a listener of the transport threw: a bug, with its stack trace
            LOG.error("RabbitMQ client: {}", message, e);
        }
    }
}
