package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.spi.IncomingMessage;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

/**
 * One delivered message and what the dispatcher knows about it. Fields are guarded by the
 * scheduler's lock, except where a field says otherwise.
 */
final class Delivery {
    final IncomingMessage message;
    /** The lane of its key: a delivery never changes lanes (a lane is forgotten only when empty). */
    final Lane lane;
    /** Attempts made so far (taken over from a broker's copy at the first attempt). */
    int attempt;
    Instant firstFailure;
    Instant lastFailure;
    /** Its first attempt started: validated, and the attempt count taken over. Thread that runs it. */
    boolean opened;
    /** It is a broker's copy for a delayed retry: its event leaves the retry headers out. Thread that runs it. */
    boolean retried;
    Stage stage = Stage.QUEUED;
    /** Bumped on every take and rewind: outcomes and callbacks of an older run are ignored. */
    int epoch;
    /** Whether it was its key's oldest unacknowledged event when taken. Set at take, read by the thread that took it. */
    boolean oldest;
    /** A thread runs an attempt on it. */
    boolean running;
    /** In its lane's acknowledgement sequence (started and not acknowledged), or being acknowledged. */
    boolean sequenced;
    /** Not to be started before this {@link System#nanoTime()}; 0 for at once. */
    long notBefore;
    /** Its partition was revoked: finish it if in time, never retry it here. */
    boolean revoked;
    /** Never acknowledge it (dropped, or revoked and still running at the deadline). Read without the lock. */
    volatile boolean abandoned;
    /** The timer task that ends its retry delay, if one is pending. */
    ScheduledFuture<?> retry;
    /** Its neighbours in the one {@link DeliveryList} it is in (its lane's queue or started events), or null. */
    Delivery prev;
    Delivery next;

    Delivery(IncomingMessage message, Lane lane) {
        this.message = message;
        this.lane = lane;
    }

    /** Running, or started and not yet acknowledged: a graceful stop or a revocation waits for it. */
    boolean held() {
        return running || sequenced;
    }

    void cancelRetry() {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
    }

    /** For log lines: its event id and where it came from. */
    @Override
    public String toString() {
        String id = message.attributes().get(Envelopes.ID);
        if (id == null) {
            id = message.messageId();
        }
        return (id != null ? id : "?") + " (" + message.destination() + "/" + message.partition() + "@"
                + message.offset() + ")";
    }
}
