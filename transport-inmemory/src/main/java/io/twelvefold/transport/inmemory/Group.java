package io.twelvefold.transport.inmemory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A consumer group of one destination: a cursor per partition, and the live subscriptions that
 * share them.
 *
 * <p>Assignment is round robin over the members in joining order (partition {@code p} goes to
 * member {@code p % members}), recomputed under this monitor when a member joins or leaves. A
 * partition moves in two steps: the rebalance sets its cursor's {@link Cursor#target}; the owner
 * (on its delivery thread, after {@code onPartitionsRevoked}) or the leaving member (in
 * {@code close()}) then {@linkplain #release releases} it, which takes back its unacknowledged
 * deliveries and hands the cursor to the target. A cursor without an owner goes to its target at
 * once. Lock order: group, then cursor, then partition.
 */
final class Group {
    private final Destination destination;
    private final String name;
    private final Cursor[] cursors;
    private final AtomicInteger memberNumbers = new AtomicInteger();

    // guarded by this
    private final List<InMemorySubscription> members = new ArrayList<>();

    Group(Destination destination, String name) {
        this.destination = destination;
        this.name = name;
        this.cursors = new Cursor[destination.partitionCount()];
        for (int p = 0; p < cursors.length; p++) {
            cursors[p] = destination.partition(p).addCursor(this);
        }
    }

    Destination destination() {
        return destination;
    }

    String name() {
        return name;
    }

    Cursor[] cursors() {
        return cursors;
    }

    int nextMemberNumber() {
        return memberNumbers.incrementAndGet();
    }

    synchronized void join(InMemorySubscription member) {
        members.add(member);
        rebalance();
    }

    /** Removes a closing member and hands its partitions over without calling it back. */
    synchronized void leave(InMemorySubscription member) {
        if (!members.remove(member)) {
            return;
        }
        rebalance();
        for (Cursor cursor : cursors) {
            if (cursor.owner == member) {
                release(cursor, member);
            }
        }
    }

    /** Hands over the cursors a member was told to give up, after it was called back. */
    synchronized void revoked(InMemorySubscription member, List<Cursor> revoked) {
        for (Cursor cursor : revoked) {
            release(cursor, member);
        }
    }

    /** @return how many subscriptions the group has now */
    synchronized int memberCount() {
        return members.size();
    }

    /**
     * The cursors a member must give up now, all of one rebalance: read under this monitor so a
     * rebalance in progress is never seen half done.
     */
    synchronized List<Cursor> revocable(InMemorySubscription member) {
        List<Cursor> moving = new ArrayList<>();
        for (Cursor cursor : cursors) {
            if (cursor.owner == member && cursor.target != member) {
                moving.add(cursor);
            }
        }
        return moving;
    }

    private void rebalance() {
        int size = members.size();
        for (int p = 0; p < cursors.length; p++) {
            cursors[p].target = size == 0 ? null : members.get(p % size);
        }
        for (Cursor cursor : cursors) {
            InMemorySubscription target = cursor.target;
            InMemorySubscription owner = cursor.owner;
            if (owner == null) {
                if (target != null) {
                    synchronized (cursor) {
                        cursor.owner = target;
                    }
                    target.assignmentChanged();
                }
            } else if (owner != target && !owner.isClosed()) {
                owner.revokeRequested();
            }
        }
    }

    private void release(Cursor cursor, InMemorySubscription from) {
        InMemorySubscription to;
        synchronized (cursor) {
            if (cursor.owner != from) {
                return;
            }
            cursor.takeBack();
            to = cursor.target;
            cursor.owner = to;
        }
        from.assignmentChanged();
        if (to != null && to != from) {
            to.assignmentChanged();
        }
        // What the leaver had in flight may have been the last thing holding the log.
        cursor.partition().trim();
    }
}
