package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LaneTest {
    private final Lane lane = new Lane("k");
    private final Delivery head = new Delivery(message("k", "\"x\"", 0), lane);

    @Test
    @DisplayName("its head may start unless the dispatcher stops, a hand-off is pending or a retry delay is not over")
    void runnable() {
        assertThat(lane.runnable(false)).as("empty").isNull();
        lane.queue.addLast(head);
        assertThat(lane.runnable(false)).isSameAs(head);
        assertThat(lane.runnable(true)).as("stopping").isNull();

        head.notBefore = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
        assertThat(lane.runnable(false)).as("retry delay").isNull();
        head.notBefore = System.nanoTime() - 1;
        assertThat(lane.runnable(false)).as("retry delay over").isSameAs(head);

        lane.handOff = new Delivery(message("k", "\"y\"", 1), lane);
        assertThat(lane.runnable(false)).as("hand-off pending").isNull();
    }

    @Test
    @DisplayName("it is idle when nothing is queued or started and nobody holds it")
    void idle() {
        assertThat(lane.idle()).isTrue();
        lane.scheduled = true;
        assertThat(lane.idle()).isFalse();
        lane.scheduled = false;
        lane.started.add(head);
        assertThat(lane.idle()).isFalse();
        lane.started.removeAcknowledged(head);
        lane.queue.addLast(head);
        assertThat(lane.idle()).isFalse();
    }
}
