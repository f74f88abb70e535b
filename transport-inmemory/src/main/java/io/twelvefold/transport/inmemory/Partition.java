package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.OutgoingMessage;
import java.util.Arrays;

/**
 * One partition: an append-only log in fixed-size chunks, and the cursor of each group.
 *
 * <p>Appends take this partition's monitor and then publish the new length through the volatile
 * {@link #tail}, so readers read the log without a lock: a slot below the tail they read is
 * fully written. Trimming (also under the monitor) moves {@link #headOffset} up to the lowest
 * position every group has acknowledged, clears those slots and lets whole chunks behind it be
 * collected; no cursor ever reads below its own acknowledged position, so trimming never races a
 * reader.
 */
final class Partition {
    static final int CHUNK = 1024;

    /** A run of {@link #CHUNK} slots of the log, linked to the next one. */
    static final class Chunk {
        final long base;
        final OutgoingMessage[] slots = new OutgoingMessage[CHUNK];
        /**
         * The one group a slot's message is for (a copy for a delayed retry), or null for every
         * group; null until the chunk gets such a message. Written like {@link #slots}.
         */
        Group[] onlyFor;
        /** Written before {@link Partition#tail} passes {@code base + CHUNK}; read after it. */
        Chunk next;

        Chunk(long base) {
            this.base = base;
        }
    }

    private static final Cursor[] NO_CURSORS = new Cursor[0];

    private final Destination destination;
    private final int index;

    // guarded by this
    private Chunk tailChunk = new Chunk(0);
    private int tailIndex;
    private Chunk headChunk = tailChunk;

    /** The offset the next append gets; everything below it is readable. */
    private volatile long tail;
    /** The lowest offset still retained. */
    private volatile long headOffset;
    /** One cursor per group; copy-on-write under this. */
    private volatile Cursor[] cursors = NO_CURSORS;

    Partition(Destination destination, int index) {
        this.destination = destination;
        this.index = index;
    }

    Destination destination() {
        return destination;
    }

    int index() {
        return index;
    }

    long tail() {
        return tail;
    }

    long retained() {
        return tail - headOffset;
    }

    /** Appends a message, then wakes the consumers of this partition that wait for messages. */
    void append(OutgoingMessage message) {
        append(message, null);
    }

    /**
     * Appends a message for one group (the others skip it), or for every group.
     *
     * @param onlyFor the group, or null for every group
     */
    void append(OutgoingMessage message, Group onlyFor) {
        synchronized (this) {
            if (tailIndex == CHUNK) {
                Chunk next = new Chunk(tailChunk.base + CHUNK);
                tailChunk.next = next;
                tailChunk = next;
                tailIndex = 0;
            }
            if (onlyFor != null) {
                if (tailChunk.onlyFor == null) {
                    tailChunk.onlyFor = new Group[CHUNK];
                }
                tailChunk.onlyFor[tailIndex] = onlyFor;
            }
            tailChunk.slots[tailIndex++] = message;
            tail = tail + 1;
        }
        for (Cursor cursor : cursors) {
            InMemorySubscription owner = cursor.owner;
            if (owner != null) {
                owner.messagesArrived();
            }
        }
    }

    /**
     * Adds the retained messages meant for every group, oldest first, to {@code out}, up to
     * {@code max} in all; removed ones are left out.
     *
     * @param out receives [offset, message] pairs
     */
    synchronized void browse(java.util.List<java.util.Map.Entry<Long, OutgoingMessage>> out, int max) {
        Chunk c = headChunk;
        for (long offset = headOffset; offset < tail && out.size() < max; offset++) {
            if (offset >= c.base + CHUNK) {
                c = c.next;
            }
            int i = (int) (offset - c.base);
            OutgoingMessage message = c.slots[i];
            if (message != null && (c.onlyFor == null || c.onlyFor[i] == null)) {
                out.add(java.util.Map.entry(offset, message));
            }
        }
    }

    /**
     * Removes a retained message: groups that have not read it yet skip it. A group that holds it
     * (delivered, not acknowledged) may still receive it again.
     *
     * @return true when this call removed it, false when it was gone already
     */
    synchronized boolean remove(long offset) {
        if (offset < headOffset || offset >= tail) {
            return false;
        }
        Chunk c = headChunk;
        while (offset >= c.base + CHUNK) {
            c = c.next;
        }
        int i = (int) (offset - c.base);
        if (c.slots[i] == null) {
            return false;
        }
        c.slots[i] = null;
        return true;
    }

    /** Creates the cursor of a new group at the earliest retained message. */
    synchronized Cursor addCursor(Group group) {
        long offset = headOffset;
        Cursor cursor = new Cursor(group, this, headChunk, (int) (offset - headChunk.base), offset);
        Cursor[] grown = Arrays.copyOf(cursors, cursors.length + 1);
        grown[grown.length - 1] = cursor;
        cursors = grown;
        return cursor;
    }

    /** Drops what every group acknowledged. Keeps everything while no group exists. */
    synchronized void trim() {
        Cursor[] all = cursors;
        if (all.length == 0) {
            return;
        }
        long min = Long.MAX_VALUE;
        for (Cursor cursor : all) {
            min = Math.min(min, cursor.committed());
        }
        long from = headOffset;
        if (min <= from) {
            return;
        }
        // Whole chunks below min become garbage as soon as no cursor points into them.
        while (headChunk.next != null && min >= headChunk.base + CHUNK) {
            headChunk = headChunk.next;
        }
        int start = (int) (Math.max(from, headChunk.base) - headChunk.base);
        int end = (int) (min - headChunk.base);
        Arrays.fill(headChunk.slots, start, end, null);
        if (headChunk.onlyFor != null) {
            Arrays.fill(headChunk.onlyFor, start, end, null);
        }
        headOffset = min;
    }
}
