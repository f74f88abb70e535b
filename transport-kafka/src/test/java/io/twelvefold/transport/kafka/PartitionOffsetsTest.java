package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

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
}
