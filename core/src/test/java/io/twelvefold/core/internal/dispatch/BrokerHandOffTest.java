package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.internal.ChannelSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BrokerHandOffTest {
    /** backoff 5 ms, broker from 1 ms: every retry goes to the broker */
    private final ChannelSettings settings = new ChannelSettings("c", "dest", "g", 1, 10, 3, Duration.ofMillis(5),
            Duration.ofSeconds(1), 2.0, 0, "dest.dlq", 1 << 20, Duration.ofSeconds(30), Duration.ofMillis(1));
    private final ExecutorService workers = Executors.newSingleThreadExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final RetryPolicy retries = new RetryPolicy(settings, List.of());
    private final LaneScheduler scheduler = new LaneScheduler(settings, workers, timer, new InlinePolicy(0), retries);
    private final BrokerHandOff handOff = new BrokerHandOff(settings, scheduler, Runnable::run, retries);
    private final List<Integer> attempts = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        workers.shutdownNow();
        timer.shutdownNow();
    }

    @Test
    @DisplayName("a copy delivered again goes on with the attempts made and the first failure from its headers")
    void takeOver() {
        Delivery copy = delivery(Map.of("h", "v", Envelopes.RETRY_ATTEMPTS, " 2 ",
                Envelopes.RETRY_FIRST_FAILURE, "2026-12-01T10:00:00Z"));
        handOff.takeOverAttempts(copy);
        assertThat(copy.retried).isTrue();
        assertThat(copy.attempt).isEqualTo(2);
        assertThat(copy.firstFailure).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));

        Delivery malformed = delivery(Map.of(Envelopes.RETRY_ATTEMPTS, "two"));
        handOff.takeOverAttempts(malformed);
        assertThat(malformed.retried).as("its event still leaves the headers out").isTrue();
        assertThat(malformed.attempt).as("counted from 1").isZero();

        Delivery plain = delivery(Map.of("h", "v"));
        handOff.takeOverAttempts(plain);
        assertThat(plain.retried).isFalse();
    }

    @Test
    @DisplayName("the copy carries the attempts made and the first failure; once the broker stored it, the input is acknowledged")
    void handOff() {
        List<Map<String, String>> asked = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> stored = new CompletableFuture<>();
        FakeMessage m = message("k", "\"x\"", 0);
        m.redeliverer = (original, delay, headers) -> {
            asked.add(headers);
            return stored;
        };
        failEveryAttempt();
        scheduler.admit(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> asked.size() == 1);
        assertThat(asked.get(0)).containsEntry(Envelopes.RETRY_ATTEMPTS, "1")
                .containsKey(Envelopes.RETRY_FIRST_FAILURE);
        assertThat(m.acks.get()).isZero();
        stored.complete(null);
        assertThat(m.acks.get()).isEqualTo(1);
        assertThat(scheduler.inFlight()).isZero();
        assertThat(attempts).containsExactly(1);
    }

    @Test
    @DisplayName("on a transport that cannot redeliver later, the retry waits in the process, and so do all later ones")
    void unsupported() {
        FakeMessage m = message("k", "\"x\"", 0); // no redeliverer: redeliverLater returns null
        failEveryAttempt();
        scheduler.admit(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 3);
        assertThat(retries.brokerUnsupported()).as("already known").isFalse();
        assertThat(m.acks.get()).isZero();
    }

    /** Attempts that fail and hand their failure on as the runner does. */
    private void failEveryAttempt() {
        scheduler.attempts((d, epoch) -> {
            d.attempt++;
            attempts.add(d.attempt);
            Failure f = scheduler.failed(d, epoch, new IllegalStateException("boom"), null, true);
            if (f.next() == Failure.Next.HAND_OFF) {
                handOff.handOff(d, epoch, f);
            }
            return Outcome.FAILED;
        });
    }

    private static Delivery delivery(Map<String, String> headers) {
        FakeMessage m = message("k", "\"x\"", 0);
        m.headers = headers;
        return new Delivery(m, new Lane("k"));
    }
}
