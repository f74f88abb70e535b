package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The commit point and the commit metadata of one partition. */
class PartitionOffsetsTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    @DisplayName("Out-of-order acknowledgements never commit past an unfinished offset; those beyond it go in the metadata")
    void commitsOnlyContiguousCompletions() {
        PartitionOffsets o = new PartitionOffsets(TP, new OffsetAndMetadata(10));
        for (long i = 10; i < 20; i++) {
            assertThat(o.delivering(i)).isTrue();
        }
        assertThat(o.toCommit()).as("still at the committed offset").isNull();
        o.acked(12);
        o.acked(13);
        o.acked(14);
        o.acked(17);
        assertThat(o.toCommit()).isEqualTo(new OffsetAndMetadata(10, "tf1:2-4,7"));
        o.acked(10);
        o.acked(11);
        OffsetAndMetadata c = o.toCommit();
        assertThat(c).isEqualTo(new OffsetAndMetadata(15, "tf1:2"));
        o.committed(c);
        assertThat(o.toCommit()).as("nothing changed").isNull();
        for (long i : new long[] {15, 16, 18, 19}) {
            o.acked(i);
        }
        assertThat(o.toCommit()).isEqualTo(new OffsetAndMetadata(20, ""));
    }

    @Test
    @DisplayName("The next owner skips the records the metadata lists as acknowledged")
    void nextOwnerSkipsAcknowledged() {
        PartitionOffsets o = new PartitionOffsets(TP, new OffsetAndMetadata(15, "tf1:2,4-5"));
        assertThat(o.delivering(15)).isTrue();
        assertThat(o.delivering(16)).isTrue();
        assertThat(o.delivering(17)).isFalse();
        assertThat(o.delivering(18)).isTrue();
        assertThat(o.delivering(19)).isFalse();
        assertThat(o.delivering(20)).isFalse();
        assertThat(o.toCommit()).as("still what was committed").isNull();
        o.acked(15);
        o.acked(16);
        o.acked(18);
        assertThat(o.toCommit()).isEqualTo(new OffsetAndMetadata(21, ""));
    }

    @Test
    @DisplayName("Foreign commit metadata is ignored")
    void foreignMetadata() {
        PartitionOffsets o = new PartitionOffsets(TP, new OffsetAndMetadata(3, "written by another tool"));
        assertThat(o.delivering(3)).isTrue();
        assertThat(o.delivering(4)).isTrue();
    }

    @Test
    @DisplayName("Metadata listing an absurd range is not ours: ignored, those records are delivered again")
    void absurdRange() {
        PartitionOffsets o = new PartitionOffsets(TP, new OffsetAndMetadata(3, "tf1:1-99999999999"));
        assertThat(o.delivering(4)).isTrue();
    }

    @Test
    @DisplayName("Random fetch gaps and acknowledgement orders, across commits and a hand-over: the same commits as a plain model")
    void matchesAModel() {
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            PartitionOffsets o = new PartitionOffsets(TP, new OffsetAndMetadata(100));
            Model m = new Model(100);
            List<Long> open = new ArrayList<>();
            long offset = 100;
            for (int step = 0; step < 400; step++) {
                int what = random.nextInt(10);
                if (what < 4 && open.size() < 300) {
                    offset += 1 + (random.nextInt(8) == 0 ? random.nextInt(3) : 0); // compaction leaves gaps
                    assertThat(o.delivering(offset)).isEqualTo(m.delivering(offset));
                    open.add(offset);
                } else if (what < 8 && !open.isEmpty()) {
                    long acked = open.remove(random.nextInt(open.size()));
                    o.acked(acked);
                    m.acked(acked);
                } else {
                    OffsetAndMetadata c = o.toCommit();
                    assertThat(c).as("seed %d step %d", seed, step).isEqualTo(m.toCommit());
                    if (c != null) {
                        o.committed(c);
                        m.committed(c);
                    }
                }
            }
            // the next owner starts from the last commit and skips what it lists
            OffsetAndMetadata last = m.current();
            PartitionOffsets next = new PartitionOffsets(TP, last);
            Model nextModel = new Model(last.offset(), last.metadata());
            for (long f = last.offset(); f <= offset; f++) {
                assertThat(next.delivering(f)).as("seed %d offset %d", seed, f).isEqualTo(nextModel.delivering(f));
            }
            Collections.shuffle(open, random);
        }
    }

    /** The straightforward version: two sorted sets of boxed offsets. */
    private static final class Model {
        private final TreeSet<Long> open = new TreeSet<>();
        private final TreeSet<Long> ahead = new TreeSet<>();
        private long next = -1;
        private long point;
        private String metadata = "";

        Model(long committed) {
            this.point = committed;
        }

        Model(long committed, String metadata) {
            this.point = committed;
            this.metadata = metadata;
            if (metadata.startsWith("tf1:")) {
                for (String r : metadata.substring(4).split(",")) {
                    if (!r.isEmpty()) {
                        int dash = r.indexOf('-');
                        long from = Long.parseLong(dash < 0 ? r : r.substring(0, dash));
                        long to = dash < 0 ? from : Long.parseLong(r.substring(dash + 1));
                        for (long d = from; d <= to; d++) {
                            ahead.add(committed + d);
                        }
                    }
                }
            }
        }

        boolean delivering(long offset) {
            next = Math.max(next, offset + 1);
            if (ahead.contains(offset)) {
                return false;
            }
            open.add(offset);
            return true;
        }

        void acked(long offset) {
            if (open.remove(offset)) {
                ahead.add(offset);
            }
        }

        OffsetAndMetadata toCommit() {
            if (next < 0) {
                return null;
            }
            long p = open.isEmpty() ? next : open.first();
            ahead.headSet(p).clear();
            StringBuilder sb = new StringBuilder();
            Iterator<Long> it = ahead.iterator();
            long start = -1;
            long end = -1;
            while (true) {
                Long o = it.hasNext() ? it.next() : null;
                if (o != null && start >= 0 && o == end + 1) {
                    end = o;
                    continue;
                }
                if (start >= 0) {
                    sb.append(sb.length() == 0 ? "tf1:" : ",").append(start - p).append(end > start ? "-" + (end - p) : "");
                }
                if (o == null) {
                    break;
                }
                start = o;
                end = o;
            }
            String md = sb.toString();
            if (p == point && md.equals(metadata)) {
                return null;
            }
            return new OffsetAndMetadata(p, md);
        }

        void committed(OffsetAndMetadata c) {
            point = c.offset();
            metadata = c.metadata();
        }

        OffsetAndMetadata current() {
            return new OffsetAndMetadata(point, metadata);
        }
    }
}
