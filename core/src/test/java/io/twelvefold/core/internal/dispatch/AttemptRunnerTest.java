package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.internal.ChannelSettings;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** One attempt through the runner, with workers and callbacks the test runs itself. */
class AttemptRunnerTest {
    private final ChannelSettings settings = settings(1, 10, 1);
    private final ManualExecutor workers = new ManualExecutor();
    private final ManualExecutor callbacks = new ManualExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakePublisher out = new FakePublisher();
    private final FakePublisher dlq = new FakePublisher();
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final List<String> processed = new CopyOnWriteArrayList<>();
    private LaneScheduler scheduler;

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    @DisplayName("the key's oldest event, its outputs confirmed at once, is acknowledged by the thread that ran it")
    void acknowledgedAtOnce() {
        runner((e, ctx) -> ctx.emit("out", e.data()));
        FakeMessage m = message("k", "\"x\"", 0);
        scheduler.admit(m);
        workers.runAll();
        assertThat(outcomes).containsExactly(Outcome.ACKNOWLEDGED);
        assertThat(m.acks.get()).isEqualTo(1);
        assertThat(callbacks.tasks).isEmpty();
        assertThat(timerCount("success")).isEqualTo(1);
    }

    @Test
    @DisplayName("outputs still being confirmed are awaited on the callback executor; the attempt is timed until then")
    void confirming() {
        out.autoConfirm = false;
        runner((e, ctx) -> ctx.emit("out", e.data()));
        FakeMessage m = message("k", "\"x\"", 0);
        scheduler.admit(m);
        workers.runAll();
        assertThat(outcomes).containsExactly(Outcome.CONFIRMING);
        out.pending.get(0).complete(null);
        assertThat(m.acks.get()).as("not on the thread that completed the send").isZero();
        assertThat(timerCount("success")).isZero();
        callbacks.runAll();
        assertThat(m.acks.get()).isEqualTo(1);
        assertThat(timerCount("success")).isEqualTo(1);
        assertThat(scheduler.inFlight()).isZero();
    }

    @Test
    @DisplayName("a message that can never be processed is dead-lettered without running a step, and counted as a failed attempt")
    void poison() {
        runner((e, ctx) -> processed.add(e.data()));
        FakeMessage m = message("k", "not json", 0);
        scheduler.admit(m);
        workers.runAll();
        callbacks.runAll();
        assertThat(outcomes).containsExactly(Outcome.FAILED);
        assertThat(processed).isEmpty();
        assertThat(dlq.sent).singleElement().satisfies(letter -> assertThat(letter.headers())
                .containsEntry(DeadLetterHeaders.REASON, "undecodable").containsEntry(DeadLetterHeaders.ATTEMPTS, "0"));
        assertThat(m.acks.get()).isEqualTo(1);
        assertThat(timerCount("failure")).isEqualTo(1);
    }

    private void runner(EventProcessor<String> processor) {
        RetryPolicy retries = new RetryPolicy(settings, List.of());
        scheduler = new LaneScheduler(settings, workers, timer, new InlinePolicy(0), retries);
        ChannelMetrics metrics = new ChannelMetrics(registry, "fake", settings, scheduler::inFlight);
        Steps<String> steps = new Steps<>("c", String.class, processor,
                List.of(new TimerStep(metrics), new RetryDecision(retries, "c")), List.of());
        AttemptRunner<String> runner = new AttemptRunner<>(settings, String.class,
                new Wire(settings, Codec.json(), "test"), DispatchFixture.outputs(out, registry), steps, scheduler,
                new BrokerHandOff(settings, scheduler, callbacks, retries),
                new DeadLetterer(settings, dlq, scheduler, retries, metrics, callbacks, timer), new InlinePolicy(0),
                metrics, callbacks);
        scheduler.attempts((d, epoch) -> {
            Outcome o = runner.attempt(d, epoch);
            outcomes.add(o);
            return o;
        });
    }

    private long timerCount(String outcome) {
        return registry.get("messaging.process.duration").tag("outcome", outcome).timer().count();
    }
}
