package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.internal.ChannelSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The scheduler with workers the test runs itself, one task at a time, and attempts that succeed at once. */
class LaneSchedulerTest {
    private final ManualExecutor workers = new ManualExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());
    private final FakeSubscription subscription = new FakeSubscription();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    @DisplayName("at most concurrency workers hold lanes; a lane that finds no free worker waits for the next one")
    void concurrencyBound() {
        LaneScheduler s = scheduler(settings(2, 100, 1), new InlinePolicy(0));
        s.admit(message("a", "\"x\"", 0));
        s.admit(message("b", "\"x\"", 1));
        s.admit(message("c", "\"x\"", 2));
        assertThat(workers.tasks).hasSize(2);
        workers.runAll();
        // the first worker, done with its lane, takes the waiting one before the second worker even started
        assertThat(ran).containsExactly("a@0", "c@2", "b@1");
        assertThat(s.inFlight()).isZero();
    }

    @Test
    @DisplayName("a worker drains its lane without a hand-off, up to a batch, then lets a waiting lane go first")
    void batchFairness() {
        LaneScheduler s = scheduler(settings(1, 1000, 1), new InlinePolicy(0));
        int n = LaneScheduler.BATCH + 10;
        for (int i = 0; i < n; i++) {
            s.admit(message("a", "\"x\"", i));
        }
        s.admit(message("b", "\"x\"", n));
        assertThat(workers.tasks).hasSize(1);
        workers.runAll();
        assertThat(ran).hasSize(n + 1);
        assertThat(ran.get(LaneScheduler.BATCH)).isEqualTo("b@" + n);
        assertThat(ran.subList(0, LaneScheduler.BATCH)).allMatch(r -> r.startsWith("a@"));
        assertThat(workers.tasks).as("one hand-off for the whole run").isEmpty();
    }

    @Test
    @DisplayName("when attempts are short and a worker slot is free, the delivery thread runs the event itself")
    void inline() {
        InlinePolicy inline = new InlinePolicy(1_000_000_000L);
        for (int i = 0; i < 64; i++) {
            inline.record(System.nanoTime());
        }
        LaneScheduler s = scheduler(settings(1, 100, 1), inline);
        Delivery here = s.admit(message("a", "\"x\"", 0));
        assertThat(here).isNotNull();
        assertThat(s.admit(message("b", "\"x\"", 1))).as("the only slot is taken").isNull();
        s.runInline(here);
        assertThat(ran).containsExactly("a@0");
        assertThat(workers.tasks).as("the slot went on to the waiting lane").hasSize(1);
        workers.runAll();
        assertThat(ran).containsExactly("a@0", "b@1");
        assertThat(s.inFlight()).isZero();
    }

    @Test
    @DisplayName("the subscription pauses at max-in-flight and resumes at half")
    void backpressure() {
        LaneScheduler s = scheduler(settings(1, 4, 1), new InlinePolicy(0));
        for (int i = 0; i < 4; i++) {
            s.admit(message("k" + i, "\"x\"", i));
        }
        assertThat(subscription.paused).isTrue();
        assertThat(s.paused()).isTrue();
        workers.runAll();
        assertThat(subscription.paused).isFalse();
    }

    @Test
    @DisplayName("a revocation drops the queued events of those partitions unacknowledged and keeps the others")
    void revoke() {
        LaneScheduler s = scheduler(settings(1, 100, 1), new InlinePolicy(0));
        FakeMessage gone = message("a", "\"x\"", 0, 0);
        FakeMessage kept = message("b", "\"x\"", 1, 0);
        s.admit(gone);
        s.admit(kept);
        s.revoke(Set.of(0));
        assertThat(s.inFlight()).isEqualTo(1);
        workers.runAll();
        assertThat(ran).containsExactly("b@0");
        assertThat(gone.acks.get()).isZero();
        assertThat(kept.acks.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("once fetching stopped, nothing is admitted and nothing more starts")
    void stopFetching() {
        LaneScheduler s = scheduler(settings(1, 100, 1), new InlinePolicy(0));
        FakeMessage queued = message("a", "\"x\"", 0);
        s.admit(queued);
        s.stopFetching();
        assertThat(s.admit(message("b", "\"x\"", 1))).isNull();
        workers.runAll();
        assertThat(ran).isEmpty();
        assertThat(s.inFlight()).isEqualTo(1);
        assertThat(s.awaitIdle(System.nanoTime())).isZero();
        assertThat(subscription.paused).isTrue();
    }

    private LaneScheduler scheduler(ChannelSettings settings, InlinePolicy inline) {
        LaneScheduler s = new LaneScheduler(settings, workers, timer, inline, new RetryPolicy(settings, List.of()));
        s.attempts((d, epoch) -> {
            ran.add(d.message.key() + "@" + d.message.offset());
            if (d.oldest) {
                s.acknowledge(d);
                return Outcome.ACKNOWLEDGED;
            }
            return Outcome.CONFIRMED;
        });
        s.bind(subscription);
        return s;
    }
}
