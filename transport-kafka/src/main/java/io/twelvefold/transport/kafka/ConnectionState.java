package io.twelvefold.transport.kafka;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a transport's cluster is reachable, logging each change once: INFO when connected (again), WARN
 * when not, nothing while the state holds. Thread-safe.
 */
final class ConnectionState {
    /** The transport's logger: these lines are the transport's. */
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransport.class);
    private enum State { UNKNOWN, CONNECTED, DISCONNECTED }

    private final String servers;
    private State state = State.UNKNOWN;
    private boolean wasConnected;

    ConnectionState(String servers) {
        this.servers = servers;
    }

    synchronized boolean isConnected() {
        return state == State.CONNECTED;
    }

    synchronized void connected() {
        if (state == State.CONNECTED) {
            return;
        }
        state = State.CONNECTED;
        if (wasConnected) {
            LOG.info("Connected to the Kafka cluster at '{}' again", servers);
        } else {
            LOG.info("Connected to the Kafka cluster at '{}'", servers);
        }
        wasConnected = true;
    }

    synchronized void disconnected(String reason) {
        if (state == State.DISCONNECTED) {
            return;
        }
        state = State.DISCONNECTED;
        LOG.warn("The Kafka cluster at '{}' is unreachable ({}); readiness is DOWN and the clients keep "
                + "reconnecting", servers, reason);
    }
}
