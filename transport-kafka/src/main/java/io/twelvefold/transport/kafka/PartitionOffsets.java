package io.twelvefold.transport.kafka;

import java.util.Iterator;
import java.util.TreeSet;
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
 */
final class PartitionOffsets {
    static final String METADATA_PREFIX = "tf1:";
    /** Kafka's default offset.metadata.max.bytes is 4096; stay well below. */
    private static final int MAX_METADATA = 3000;

    final TopicPartition partition;
    /** Set when the partition is revoked or lost: acknowledgements are ignored from then on. */
    volatile boolean revoked;
    private final TreeSet<Long> open = new TreeSet<>();
    private final TreeSet<Long> ackedAhead = new TreeSet<>();
    private long next = -1;
    private long committedPoint = -1;
    private String committedMetadata = "";

    PartitionOffsets(TopicPartition partition, OffsetAndMetadata committed) {
        this.partition = partition;
        if (committed != null) {
            committedPoint = committed.offset();
            committedMetadata = committed.metadata() == null ? "" : committed.metadata();
            parse(committed.offset(), committedMetadata, ackedAhead);
        }
    }

    /**
     * A record was fetched.
     *
     * @return false when it was acknowledged by an earlier owner (skip it), true to deliver it
     */
    boolean delivering(long offset) {
        next = Math.max(next, offset + 1);
        if (ackedAhead.contains(offset)) {
            return false;
        }
        open.add(offset);
        return true;
    }

    void acked(long offset) {
        if (open.remove(offset)) {
            ackedAhead.add(offset);
        }
    }

    /** @return what to commit, or null when nothing changed since the last commit */
    OffsetAndMetadata toCommit() {
        if (next < 0) {
            return null;
        }
        long point = open.isEmpty() ? next : open.first();
        ackedAhead.headSet(point).clear();
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
        return open.isEmpty() ? next : open.first();
    }

    /** An asynchronous commit failed: commit again next time even if nothing changed. */
    void commitFailed() {
        committedPoint = -2;
    }

    void committed(OffsetAndMetadata offset) {
        committedPoint = offset.offset();
        committedMetadata = offset.metadata();
    }

    private String metadata(long point) {
        if (ackedAhead.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(METADATA_PREFIX);
        Iterator<Long> it = ackedAhead.iterator();
        long start = it.next();
        long end = start;
        boolean first = true;
        while (true) {
            Long o = it.hasNext() ? it.next() : null;
            if (o != null && o == end + 1) {
                end = o;
                continue;
            }
            String range = (start - point) + (end > start ? "-" + (end - point) : "");
            if (sb.length() + range.length() + 1 > MAX_METADATA) {
                // the rest is processed again by the next owner: at-least-once still holds
                break;
            }
            if (!first) {
                sb.append(',');
            }
            sb.append(range);
            first = false;
            if (o == null) {
                break;
            }
            start = o;
            end = o;
        }
        return sb.toString();
    }

    static void parse(long point, String metadata, TreeSet<Long> into) {
        if (metadata == null || !metadata.startsWith(METADATA_PREFIX)) {
            return;
        }
        try {
            for (String range : metadata.substring(METADATA_PREFIX.length()).split(",")) {
                if (range.isEmpty()) {
                    continue;
                }
                int dash = range.indexOf('-');
                long from = Long.parseLong(dash < 0 ? range : range.substring(0, dash));
                long to = dash < 0 ? from : Long.parseLong(range.substring(dash + 1));
                for (long d = from; d <= to; d++) {
                    into.add(point + d);
                }
            }
        } catch (NumberFormatException e) {
            // foreign metadata: ignore it, the records are delivered again (at-least-once)
            into.clear();
        }
    }
}
