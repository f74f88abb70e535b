package io.twelvefold.transport.kafka;

import java.util.Arrays;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one assigned partition: delivered and not acknowledged, and acknowledged beyond
 * the first unacknowledged one. Used by the poll thread only, except {@link #revoked}.
 *
 * <p>The commit point is the lowest unacknowledged offset (or the next offset after the last
 * delivered one when none is open): never past an unfinished record. Records acknowledged beyond
 * it are listed in the commit metadata ({@code tf1:} then comma-separated offsets or ranges,
 * relative to the commit point), so that the next owner of the partition skips them instead of
 * processing them a second time.
 *
 * <p>The delivered offsets live in a ring of primitive {@code long}s in delivery order (a partition
 * is fetched in offset order), each with an acknowledged flag; the ring's head is the commit point
 * and moves on as the head's record is acknowledged. No boxing and no tree node per record: this
 * is on the poll thread's path for every record.
 */
final class PartitionOffsets {
    static final String METADATA_PREFIX = "tf1:";
    /** Kafka's default offset.metadata.max.bytes is 4096; stay well below. */
    private static final int MAX_METADATA = 3000;
    private static final long[] NONE = {};
    /** Metadata listing more offsets than this is not ours (we list at most what is in flight): ignored. */
    private static final int MAX_LISTED = 1_000_000;

    final TopicPartition partition;
    /** Set when the partition is revoked or lost: acknowledgements are ignored from then on. */
    volatile boolean revoked;
    /** Delivered offsets from the commit point on, ascending, in a ring of {@code offsets.length} (a power of 2). */
    private long[] offsets = new long[64];
    private boolean[] acked = new boolean[64];
    private int head;
    private int size;
    /** Offsets the previous owner acknowledged beyond its commit point (its metadata), ascending; never delivered. */
    private long[] ackedBefore;
    private long next = -1;
    private long committedPoint = -1;
    private String committedMetadata = "";

    PartitionOffsets(TopicPartition partition, OffsetAndMetadata committed) {
        this.partition = partition;
        if (committed != null) {
            committedPoint = committed.offset();
            committedMetadata = committed.metadata() == null ? "" : committed.metadata();
            ackedBefore = parse(committed.offset(), committedMetadata);
        } else {
            ackedBefore = NONE;
        }
    }

    /**
     * A record was fetched.
     *
     * @return false when it was acknowledged by an earlier owner (skip it), true to deliver it
     */
    boolean delivering(long offset) {
        next = Math.max(next, offset + 1);
        if (ackedBefore.length > 0 && Arrays.binarySearch(ackedBefore, offset) >= 0) {
            return false;
        }
        if (size == 0 || offset > at(size - 1)) {
            append(offset);
        } else if (find(offset) < 0) {
            insert(offset); // not in fetch order: kept sorted all the same
        }
        return true;
    }

    void acked(long offset) {
        int i = find(offset);
        if (i < 0) {
            return;
        }
        acked[slot(i)] = true;
        while (size > 0 && acked[head]) {
            acked[head] = false;
            head = (head + 1) & (offsets.length - 1);
            size--;
        }
    }

    /** @return what to commit, or null when nothing changed since the last commit */
    OffsetAndMetadata toCommit() {
        if (next < 0) {
            return null;
        }
        long point = commitPoint();
        String metadata = metadata(point);
        if (point == committedPoint && metadata.equals(committedMetadata)) {
            return null;
        }
        return new OffsetAndMetadata(point, metadata);
    }

    /** @return the offset the group would resume from now, or -1 when unknown */
    long commitPoint() {
        if (next < 0) {
            return committedPoint;
        }
        return size == 0 ? next : offsets[head];
    }

    /** An asynchronous commit failed: commit again next time even if nothing changed. */
    void commitFailed() {
        committedPoint = -2;
    }

    void committed(OffsetAndMetadata offset) {
        committedPoint = offset.offset();
        committedMetadata = offset.metadata();
    }

    // ---------------------------------------------------------------- the ring

    private int slot(int i) {
        return (head + i) & (offsets.length - 1);
    }

    private long at(int i) {
        return offsets[slot(i)];
    }

    /** @return the ring index of the offset, or -1 */
    private int find(long offset) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = at(mid);
            if (v < offset) {
                lo = mid + 1;
            } else if (v > offset) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private void append(long offset) {
        if (size == offsets.length) {
            grow();
        }
        int s = slot(size);
        offsets[s] = offset;
        acked[s] = false;
        size++;
    }

    private void insert(long offset) {
        append(offset);
        int i = size - 1;
        while (i > 0 && at(i - 1) > offset) {
            offsets[slot(i)] = at(i - 1);
            acked[slot(i)] = acked[slot(i - 1)];
            i--;
        }
        offsets[slot(i)] = offset;
        acked[slot(i)] = false;
    }

    private void grow() {
        long[] o = new long[offsets.length * 2];
        boolean[] a = new boolean[o.length];
        for (int i = 0; i < size; i++) {
            o[i] = at(i);
            a[i] = acked[slot(i)];
        }
        offsets = o;
        acked = a;
        head = 0;
    }

    // ---------------------------------------------------------------- the metadata

    /** The acknowledged offsets beyond the point (this owner's and the previous owner's), as ranges relative to it. */
    private String metadata(long point) {
        int before = ackedBefore.length == 0 ? 0 : lowerBound(ackedBefore, point);
        if (before > 0) {
            ackedBefore = Arrays.copyOfRange(ackedBefore, before, ackedBefore.length);
        }
        StringBuilder sb = null;
        long start = -1;
        long end = -1;
        int b = 0;
        int i = 0;
        while (true) {
            // the next acknowledged offset of either list, in ascending order
            while (i < size && !acked[slot(i)]) {
                i++;
            }
            long o;
            if (i < size && (b >= ackedBefore.length || at(i) < ackedBefore[b])) {
                o = at(i++);
            } else if (b < ackedBefore.length) {
                o = ackedBefore[b++];
            } else {
                o = -1;
            }
            if (o >= 0 && start >= 0 && o == end + 1) {
                end = o;
                continue;
            }
            if (start >= 0) {
                if (sb == null) {
                    sb = new StringBuilder(METADATA_PREFIX);
                }
                String range = (start - point) + (end > start ? "-" + (end - point) : "");
                if (sb.length() + range.length() + 1 > MAX_METADATA) {
                    // the rest is processed again by the next owner: at-least-once still holds
                    break;
                }
                if (sb.length() > METADATA_PREFIX.length()) {
                    sb.append(',');
                }
                sb.append(range);
            }
            if (o < 0) {
                break;
            }
            start = o;
            end = o;
        }
        return sb == null ? "" : sb.toString();
    }

    /** @return the index of the first value at least {@code key} */
    private static int lowerBound(long[] sorted, long key) {
        int i = Arrays.binarySearch(sorted, key);
        return i >= 0 ? i : -i - 1;
    }

    /**
     * @return the offsets a commit's metadata lists as acknowledged beyond its point, ascending;
     *     none for foreign metadata (those records are delivered again: at-least-once)
     */
    static long[] parse(long point, String metadata) {
        if (metadata == null || !metadata.startsWith(METADATA_PREFIX)) {
            return NONE;
        }
        long[] out = new long[16];
        int n = 0;
        try {
            for (String range : metadata.substring(METADATA_PREFIX.length()).split(",")) {
                if (range.isEmpty()) {
                    continue;
                }
                int dash = range.indexOf('-');
                long from = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
                long to = dash < 0 ? from : Long.parseLong(range.substring(dash + 1));
                if (from < 0 || to - from > MAX_LISTED - n) {
                    return NONE;
                }
                for (long d = from; d <= to; d++) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = point + d;
                }
            }
        } catch (NumberFormatException e) {
            return NONE;
        }
        long[] sorted = Arrays.copyOf(out, n);
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        return Arrays.copyOf(sorted, distinct);
    }
}
