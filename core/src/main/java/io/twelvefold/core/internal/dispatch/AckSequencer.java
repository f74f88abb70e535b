package io.twelvefold.core.internal.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The in-order acknowledgement of one key: the events its lane started and did not acknowledge yet,
 * in delivery order. An event becomes acknowledgeable when it is {@link Stage#DONE} and every
 * earlier one was acknowledged; one thread at a time acknowledges a key's events (outside the
 * lock, since a transport may hold its own lock while it delivers), and events that become
 * acknowledgeable meanwhile are left to that thread, so the acknowledgements of a key go out in
 * order.
 *
 * <p>Not thread-safe: every method is called under the scheduler's lock.
 */
final class AckSequencer {
    private final ArrayDeque<Delivery> started = new ArrayDeque<>(4);
    /** Done and out of {@link #started}, to be acknowledged in this order by the acknowledging thread. */
    private List<Delivery> next;
    /** A thread is acknowledging this key's events. */
    private boolean acking;

    /**
     * Appends a delivery that was just started.
     *
     * @return whether it is the key's oldest unacknowledged event (a thread that finds its outputs
     *     confirmed may then acknowledge it at once)
     */
    boolean add(Delivery d) {
        boolean oldest = started.isEmpty() && !acking;
        started.addLast(d);
        return oldest;
    }

    /** Nothing started and unacknowledged, nobody acknowledging. */
    boolean isEmpty() {
        return started.isEmpty() && !acking;
    }

    Iterable<Delivery> started() {
        return started;
    }

    /** Removes the newest started delivery unless it is {@code d}; @return it, or null when {@code d} is the newest (or none is left). */
    Delivery pollNewerThan(Delivery d) {
        Delivery last = started.peekLast();
        return last == null || last == d ? null : started.pollLast();
    }

    /** Removes {@code d}, which its caller knows to be the newest (a failed event, after the rewind). */
    void removeNewest(Delivery d) {
        started.removeLastOccurrence(d);
    }

    /** Removes {@code d}, which was the oldest and was acknowledged by the thread that ran it. */
    void removeAcknowledged(Delivery d) {
        Delivery first = started.pollFirst();
        assert first == d;
    }

    /**
     * Moves the done prefix (its done events up to the first one that is not) to the events to
     * acknowledge.
     *
     * @return the events the caller must now acknowledge, in order, then report with
     *     {@link #acknowledged()}; or null: none, or another thread is acknowledging and takes these too
     */
    List<Delivery> ackable() {
        Delivery h = started.peekFirst();
        while (h != null && h.stage == Stage.DONE) {
            if (next == null) {
                next = new ArrayList<>(2);
            }
            next.add(started.pollFirst());
            h = started.peekFirst();
        }
        if (acking || next == null) {
            return null;
        }
        acking = true;
        List<Delivery> acks = next;
        next = null;
        return acks;
    }

    /**
     * The acknowledging thread acknowledged its batch.
     *
     * @return the events that became acknowledgeable meanwhile, for the same thread to acknowledge
     *     next; or null, and the thread stops acknowledging
     */
    List<Delivery> acknowledged() {
        List<Delivery> more = next;
        next = null;
        acking = more != null;
        return more;
    }

    /** For tests and log lines. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (Iterator<Delivery> it = started.iterator(); it.hasNext();) {
            sb.append(it.next().stage);
            if (it.hasNext()) {
                sb.append(", ");
            }
        }
        return sb.append(acking ? "] acking" : "]").toString();
    }
}
