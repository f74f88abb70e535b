package io.twelvefold.core.internal.dispatch;

import java.util.ArrayList;
import java.util.List;

/**
 * The in-order acknowledgement of one key: the events its lane started and did not acknowledge yet,
 * in delivery order (this list). An event becomes acknowledgeable when it is {@link Stage#DONE} and
 * every earlier one was acknowledged; one thread at a time acknowledges a key's events (outside the
 * lock, since a transport may hold its own lock while it delivers), and events that become
 * acknowledgeable meanwhile are left to that thread, so the acknowledgements of a key go out in
 * order.
 *
 * <p>Not thread-safe: every method is called under the scheduler's lock.
 */
final class AckSequencer extends DeliveryList {
    /** Done and out of the list, to be acknowledged in this order by the acknowledging thread. */
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
        boolean oldest = isEmpty() && !acking;
        addLast(d);
        return oldest;
    }

    /** Nothing started and unacknowledged, nobody acknowledging. */
    boolean idle() {
        return isEmpty() && !acking;
    }

    /** Removes the newest started delivery unless it is {@code d}; @return it, or null when {@code d} is the newest (or none is left). */
    Delivery pollNewerThan(Delivery d) {
        Delivery newest = last();
        return newest == null || newest == d ? null : pollLast();
    }

    /** Removes {@code d}, which was the oldest and was acknowledged by the thread that ran it. */
    void removeAcknowledged(Delivery d) {
        assert first() == d;
        remove(d);
    }

    /**
     * Moves the done prefix (its done events up to the first one that is not) to the events to
     * acknowledge.
     *
     * @return the events the caller must now acknowledge, in order, then report with
     *     {@link #acknowledged()}; or null: none, or another thread is acknowledging and takes these too
     */
    List<Delivery> ackable() {
        Delivery h = first();
        while (h != null && h.stage == Stage.DONE) {
            if (next == null) {
                next = new ArrayList<>(2);
            }
            next.add(pollFirst());
            h = first();
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

    /** For tests and log lines: the stages of the started events. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (Delivery d = first(); d != null; d = d.next) {
            sb.append(d.stage).append(d.next != null ? ", " : "");
        }
        return sb.append(acking ? "] acking" : "]").toString();
    }
}
