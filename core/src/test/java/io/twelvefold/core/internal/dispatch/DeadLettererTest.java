package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.OutgoingMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DeadLettererTest {
    private final ChannelSettings settings = settings(1, 10, 1);
    private final ExecutorService workers = Executors.newSingleThreadExecutor();
    private final ExecutorService callbacks = Executors.newSingleThreadExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final RetryPolicy retries = new RetryPolicy(settings, List.of());
    private final LaneScheduler scheduler = new LaneScheduler(settings, workers, timer, new InlinePolicy(0), retries);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakePublisher dlq = new FakePublisher();
    private final DeadLetterer deadLetterer = new DeadLetterer(settings, dlq, scheduler, retries,
            new ChannelMetrics(registry, "fake", settings, () -> 0), callbacks, timer);

    @AfterEach
    void stop() {
        workers.shutdownNow();
        callbacks.shutdownNow();
        timer.shutdownNow();
    }

    @Test
    @DisplayName("a dead letter is the original message with the dead-letter headers, without the retry headers, its exception message cut at 1,000 characters")
    void letter() {
        FakeMessage m = message("k", "\"x\"", 3, 42);
        m.headers = Map.of("h", "v", Envelopes.RETRY_ATTEMPTS, "2", Envelopes.RETRY_FIRST_FAILURE, "2026-12-01T10:00:00Z");
        Instant first = Instant.parse("2026-12-01T10:00:00Z");
        Instant last = Instant.parse("2026-12-01T10:05:00Z");
        Failure f = new Failure(Failure.Next.DEAD_LETTER,
                new RetryPolicy.Verdict("exhausted", 0, false), 3, first, last);

        OutgoingMessage letter = deadLetterer.letterOf(m, new IllegalStateException("x".repeat(1500)), "exhausted", f);

        assertThat(letter.key()).isEqualTo("k");
        assertThat(letter.payload()).isEqualTo(m.payload());
        assertThat(letter.attributes()).isEqualTo(m.attributes());
        assertThat(letter.headers()).doesNotContainKeys(Envelopes.RETRY_ATTEMPTS, Envelopes.RETRY_FIRST_FAILURE)
                .containsEntry("h", "v")
                .containsEntry(DeadLetterHeaders.REASON, "exhausted")
                .containsEntry(DeadLetterHeaders.CHANNEL, "c")
                .containsEntry(DeadLetterHeaders.GROUP, "g")
                .containsEntry(DeadLetterHeaders.ORIGINAL_DESTINATION, "dest")
                .containsEntry(DeadLetterHeaders.ORIGINAL_PARTITION, "3")
                .containsEntry(DeadLetterHeaders.ORIGINAL_OFFSET, "42")
                .containsEntry(DeadLetterHeaders.EXCEPTION_CLASS, IllegalStateException.class.getName())
                .containsEntry(DeadLetterHeaders.EXCEPTION_MESSAGE, "x".repeat(1000))
                .containsEntry(DeadLetterHeaders.ATTEMPTS, "3")
                .containsEntry(DeadLetterHeaders.FIRST_FAILURE, "2026-12-01T10:00:00Z")
                .containsEntry(DeadLetterHeaders.LAST_FAILURE, "2026-12-01T10:05:00Z");
    }

    @Test
    @DisplayName("a poison message reports the cause's class, not the internal wrapper")
    void poisonClass() {
        assertThat(DeadLetterer.exceptionClass(new PoisonException("undecodable", "bad", new NumberFormatException())))
                .isEqualTo(NumberFormatException.class.getName());
        assertThat(DeadLetterer.exceptionClass(new PoisonException("oversize", "big", null)))
                .isEqualTo(ProcessingException.class.getName());
    }

    @Test
    @DisplayName("a refused dead letter is sent again after a backoff; the input is acknowledged only once one is confirmed")
    void neverDropped() {
        dlq.autoConfirm = false;
        everyAttemptFails(deadLetterer, "no");
        FakeMessage m = message("k", "\"x\"", 0);
        scheduler.admit(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> dlq.pending.size() == 1);
        dlq.pending.get(0).completeExceptionally(new IllegalStateException("dlq down"));
        await().atMost(Duration.ofSeconds(10)).until(() -> dlq.pending.size() == 2);
        assertThat(m.acks.get()).isZero();
        dlq.pending.get(1).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(dlq.sent).hasSize(2).allSatisfy(letter -> assertThat(letter.headers())
                .containsEntry(DeadLetterHeaders.REASON, "fatal"));
        assertThat(registry.get("twelvefold.dead.letters").tag("reason", "fatal").counter().count()).isEqualTo(1);
        assertThat(scheduler.inFlight()).isZero();
    }

    @Test
    @DisplayName("a dead letter that fails again is never dead-lettered a second time: it stays unacknowledged, not counted")
    void deadLetterIsTerminal() {
        everyAttemptFails(deadLetterer, "still invalid");
        FakeMessage m = message("k", "\"x\"", 0);
        m.headers = Map.of(DeadLetterHeaders.REASON, "invalid", DeadLetterHeaders.CHANNEL, "orders");
        scheduler.admit(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.inFlight() == 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> dlq.sent.isEmpty() && dlq.pending.isEmpty() && m.acks.get() == 0);
        assertThat(registry.find("twelvefold.dead.letters").counter()).isNull();
    }

    @Test
    @DisplayName("a channel without a dead-letter destination keeps what it would dead-letter unacknowledged, sends nothing, counts nothing")
    void noDestinationKeeps() {
        ChannelSettings none = new ChannelSettings("c", "dest.dlq", "g", 1, 10, 1, Duration.ofMillis(5),
                Duration.ofMillis(20), 2.0, 0, null, 1 << 20, Duration.ofSeconds(30));
        DeadLetterer keeper = new DeadLetterer(none, null, scheduler, retries,
                new ChannelMetrics(registry, "fake", none, () -> 0), callbacks, timer);
        everyAttemptFails(keeper, "no");
        FakeMessage m = message("k", "\"x\"", 0);
        scheduler.admit(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.inFlight() == 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> m.acks.get() == 0 && scheduler.inFlight() == 1);
        assertThat(registry.find("twelvefold.dead.letters").counter()).isNull();
    }

    /** Every attempt fails with a fatal error of that message, which {@code deadLetters} dead-letters. */
    private void everyAttemptFails(DeadLetterer deadLetters, String message) {
        scheduler.attempts((d, epoch) -> {
            d.attempt++;
            ProcessingException fatal = ProcessingException.fatal(message);
            Failure f = scheduler.failed(d, epoch, fatal, null, true);
            deadLetters.deadLetter(d, epoch, fatal, f);
            return Outcome.FAILED;
        });
    }
}
