package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.OutgoingMessage;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * A group's position in one partition, and the messages of that partition the group has in hand.
 *
 * <p>Everything below {@link #committed} is acknowledged. Between it and {@link #nextOffset}
 * lie the deliveries still {@linkplain #inflight in flight} (acknowledged or not, in offset order),
 * the deliveries {@linkplain #pending taken back} for redelivery, and acknowledged ones already
 * dropped. Only the {@link #owner} reads the log through this cursor; fetching, reaping and
 * taking back happen under this cursor's monitor, a few times per batch, while acknowledgements
 * touch only the {@link Delivery}.
 */
final class Cursor {
    private final Group group;
    private final Partition partition;

    /** The subscription that reads this cursor now; changes under the group's and this monitor. */
    volatile InMemorySubscription owner;
    /** The subscription the last rebalance assigned it to; changes under the group's monitor. */
    volatile InMemorySubscription target;

    // guarded by this
    private final ArrayDeque<Delivery> inflight = new ArrayDeque<>();
    private final ArrayDeque<Delivery> pending = new ArrayDeque<>();
    private Partition.Chunk chunk;
    private int index;
    private long nextOffset;

    private volatile long committed;
    /** The committed offset when the owner last asked the partition to trim; owner thread only. */
    long trimmedAt;

    Cursor(Group group, Partition partition, Partition.Chunk chunk, int index, long offset) {
        this.group = group;
        this.partition = partition;
        this.chunk = chunk;
        this.index = index;
        this.nextOffset = offset;
        this.committed = offset;
        this.trimmedAt = offset;
    }

    Group group() {
        return group;
    }

    Partition partition() {
        return partition;
    }

    /** @return the lowest offset not yet acknowledged by this group */
    long committed() {
        return committed;
    }

    /**
     * Whether the log has messages beyond what this cursor read. Read without the monitor by the
     * owner's thread, the only writer of {@link #nextOffset} while it owns the cursor.
     */
    boolean behindTail() {
        return nextOffset < partition.tail();
    }

    /** Drops acknowledged deliveries from the head of the in-flight queue. Under this monitor. */
    void reap() {
        boolean moved = false;
        Delivery head;
        while ((head = inflight.peekFirst()) != null && head.acked()) {
            inflight.pollFirst();
            moved = true;
        }
        if (moved) {
            updateCommitted();
        }
    }

    /** @return whether deliveries are still in flight. Under this monitor. */
    boolean hasInflight() {
        return !inflight.isEmpty();
    }

    /**
     * Hands out up to {@code max} deliveries to {@code subscription}: redeliveries first, then new
     * messages. Under this monitor.
     *
     * @return how many were written to {@code out} from {@code offset}
     */
    int fetch(InMemorySubscription subscription, Delivery[] out, int offset, int max) {
        int n = 0;
        Delivery old;
        while (n < max && (old = pending.pollFirst()) != null) {
            Delivery d = new Delivery(this, old.message(), old.offset(), old.deliveryCount() + 1, subscription);
            inflight.addLast(d);
            out[offset + n++] = d;
        }
        long available = partition.tail();
        long next = nextOffset;
        Partition.Chunk c = chunk;
        int i = index;
        while (n < max && next < available) {
            if (i == Partition.CHUNK) {
                c = c.next;
                i = 0;
            }
            Group[] onlyFor = c.onlyFor;
            if (onlyFor != null && onlyFor[i] != null && onlyFor[i] != group) {
                // another group's copy for a delayed retry: as good as acknowledged here
                i++;
                next++;
                continue;
            }
            OutgoingMessage message = c.slots[i++];
            if (message == null) {
                // removed by an admin (Partition.remove) before this group read it
                next++;
                continue;
            }
            Delivery d = new Delivery(this, message, next++, 1, subscription);
            inflight.addLast(d);
            out[offset + n++] = d;
        }
        chunk = c;
        index = i;
        nextOffset = next;
        return n;
    }

    /**
     * Takes back every delivery not acknowledged yet, to be delivered again in order; later
     * acknowledgements of them are ignored. Under this monitor.
     */
    void takeBack() {
        if (inflight.isEmpty()) {
            return;
        }
        // Whatever is pending has higher offsets than what is in flight (pending goes out first),
        // so pushing the in-flight ones in front, last first, keeps offset order.
        Iterator<Delivery> it = inflight.descendingIterator();
        while (it.hasNext()) {
            Delivery d = it.next();
            if (d.revoke()) {
                d.subscription().revoked();
                pending.addFirst(d);
            }
        }
        inflight.clear();
        updateCommitted();
    }

    private void updateCommitted() {
        long c = nextOffset;
        Delivery first = inflight.peekFirst();
        if (first != null) {
            c = Math.min(c, first.offset());
        }
        first = pending.peekFirst();
        if (first != null) {
            c = Math.min(c, first.offset());
        }
        committed = c;
    }

    /** A snapshot of the state, for diagnostics. */
    synchronized String describe() {
        return this + " owner=" + owner + " target=" + target + " next=" + nextOffset + " tail=" + partition.tail()
                + " committed=" + committed + " inflight=" + inflight.size() + " pending=" + pending.size();
    }

    @Override
    public String toString() {
        return partition.destination().name() + "-" + partition.index() + "/" + group.name();
    }
}
