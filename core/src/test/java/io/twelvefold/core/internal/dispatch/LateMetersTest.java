package io.twelvefold.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.internal.ChannelSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Meters registered after READY lose nothing that happened before. */
class LateMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aCounterHandsOverWhatItCountedBeforeItWasBound() {
        LateCounter late = new LateCounter();
        late.increment();
        late.increment();
        Counter counter = registry.counter("c");

        late.bind(counter);
        late.increment();

        assertThat(late.bound()).isTrue();
        assertThat(counter.count()).isEqualTo(3);
    }

    @Test
    void aCounterKeepsTheFirstBinding() {
        LateCounter late = new LateCounter();
        late.increment();
        Counter first = registry.counter("first");
        Counter second = registry.counter("second");

        late.bind(first);
        late.bind(second);
        late.increment();

        assertThat(first.count()).isEqualTo(2);
        assertThat(second.count()).isZero();
    }

    @Test
    void aTimerHandsOverTheExactCountTotalAndMaximum() {
        LateTimer late = new LateTimer();
        for (long millis : new long[] {10, 30, 20, 7}) {
            late.record(TimeUnit.MILLISECONDS.toNanos(millis) + 1);
        }
        Timer timer = registry.timer("t");

        late.bind(timer);

        assertThat(timer.count()).isEqualTo(4);
        assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(67_000_004.0);
        assertThat(timer.max(TimeUnit.NANOSECONDS)).isEqualTo(30_000_001.0);
        late.record(Duration.ofMillis(5).toNanos());
        assertThat(timer.count()).isEqualTo(5);
        assertThat(timer.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(72_000_004.0);
    }

    @Test
    void aTimerBoundBeforeAnythingHappenedStaysEmpty() {
        LateTimer late = new LateTimer();
        Timer timer = registry.timer("t");

        late.bind(timer);

        assertThat(timer.count()).isZero();
    }

    @Test
    void noIncrementIsLostWhileTheCounterIsBeingBound() throws InterruptedException {
        LateCounter late = new LateCounter();
        int threads = 4;
        int perThread = 200_000;
        CountDownLatch running = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                running.countDown();
                for (int n = 0; n < perThread; n++) {
                    late.increment();
                }
            });
            workers.add(t);
            t.start();
        }
        running.await();
        Counter counter = registry.counter("c");
        late.bind(counter);
        for (Thread t : workers) {
            t.join();
        }

        assertThat(counter.count()).isEqualTo((double) threads * perThread);
    }

    @Test
    void channelMetricsRegisterEveryMeterWhenBoundAndKeepEarlyDeadLetters() {
        ChannelSettings s = new ChannelSettings("orders", "orders.v1", "g", 1, 1, 1, Duration.ofMillis(1),
                Duration.ofMillis(2), 2.0, 0.0, "orders.v1.dlq", 100, Duration.ofSeconds(1));
        ChannelMetrics metrics = new ChannelMetrics("inmemory", s, () -> 3);
        metrics.consumed();
        metrics.retry();
        metrics.deadLetter("fatal");
        metrics.processed(System.nanoTime(), true);
        assertThat(registry.getMeters()).isEmpty();

        metrics.bind(registry);
        metrics.deadLetter("fatal");
        metrics.deadLetter("poison");
        metrics.processed(System.nanoTime(), false);

        assertThat(registry.get("messaging.client.consumed.messages").tag("channel", "orders")
                .tag("destination", "orders.v1").tag("transport", "inmemory").counter().count()).isEqualTo(1);
        assertThat(registry.get("twelvefold.retries").counter().count()).isEqualTo(1);
        assertThat(registry.get("twelvefold.dead.letters").tag("reason", "fatal").counter().count()).isEqualTo(2);
        assertThat(registry.get("twelvefold.dead.letters").tag("reason", "poison").counter().count()).isEqualTo(1);
        assertThat(registry.get("messaging.process.duration").tag("outcome", "success").timer().count()).isEqualTo(1);
        assertThat(registry.get("messaging.process.duration").tag("outcome", "failure").timer().count()).isEqualTo(1);
        assertThat(registry.get("twelvefold.in.flight").gauge().value()).isEqualTo(3);
    }
}
