package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AckSequencerTest {
    private final Lane lane = new Lane("k");
    private final AckSequencer seq = lane.started;

    @Test
    @DisplayName("only the first started event of an idle key is its oldest")
    void oldest() {
        assertThat(seq.add(started(1))).isTrue();
        assertThat(seq.add(started(2))).isFalse();
    }

    @Test
    @DisplayName("a done event waits for every earlier one; the done prefix is acknowledged in order")
    void inOrder() {
        Delivery a = started(1);
        Delivery b = started(2);
        Delivery c = started(3);
        seq.add(a);
        seq.add(b);
        seq.add(c);
        b.stage = Stage.DONE;
        assertThat(seq.ackable()).as("b waits for a").isNull();
        a.stage = Stage.DONE;
        assertThat(seq.ackable()).containsExactly(a, b);
        assertThat(seq.first()).isSameAs(c);
    }

    @Test
    @DisplayName("while one thread acknowledges, what becomes acknowledgeable is left to it, then it stops")
    void oneAcknowledgerAtATime() {
        Delivery a = started(1);
        Delivery b = started(2);
        seq.add(a);
        seq.add(b);
        a.stage = Stage.DONE;
        assertThat(seq.ackable()).containsExactly(a);
        b.stage = Stage.DONE;
        assertThat(seq.ackable()).as("another thread leaves b to the acknowledging one").isNull();
        assertThat(seq.idle()).isFalse();
        assertThat(seq.acknowledged()).containsExactly(b);
        assertThat(seq.acknowledged()).isNull();
        assertThat(seq.idle()).isTrue();
        assertThat(seq.add(started(3))).as("oldest again once nobody acknowledges").isTrue();
    }

    @Test
    @DisplayName("a rewind takes the newer events off, newest first, and stops at the failed one")
    void pollNewerThan() {
        Delivery a = started(1);
        Delivery b = started(2);
        Delivery c = started(3);
        seq.add(a);
        seq.add(b);
        seq.add(c);
        assertThat(seq.pollNewerThan(a)).isSameAs(c);
        assertThat(seq.pollNewerThan(a)).isSameAs(b);
        assertThat(seq.pollNewerThan(a)).isNull();
        assertThat(seq.toString()).isEqualTo("[RUNNING]");
        seq.removeAcknowledged(a);
        assertThat(seq.idle()).isTrue();
    }

    private Delivery started(long offset) {
        Delivery d = new Delivery(message("k", "\"x\"", offset), lane);
        d.stage = Stage.RUNNING;
        return d;
    }
}
