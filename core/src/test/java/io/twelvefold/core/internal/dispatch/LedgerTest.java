package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The ledger's transitions, called as the scheduler calls them: under its lock, one thread here. */
class LedgerTest {
    private final Object lock = new Object();
    private final List<Lane> kicked = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ChannelSettings settings = settings(2, 10, 3);
    private final Ledger ledger = new Ledger(lock, new Ledger.Lanes() {
        @Override
        public void kick(Lane lane) {
            kicked.add(lane);
        }

        @Override
        public void forgetIfIdle(Lane lane) {
        }

        @Override
        public void retryDue(Lane lane) {
            kicked.add(lane);
        }
    }, settings, timer, new RetryPolicy(settings, List.of()));
    private final Lane lane = new Lane("k");

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    @DisplayName("the oldest event, acknowledged by the thread that ran it, leaves at once")
    void acknowledgedByTheRunner() {
        synchronized (lock) {
            Delivery a = start(0);
            assertThat(a.oldest).isTrue();
            assertThat(ledger.finish(a, a.epoch, Outcome.ACKNOWLEDGED)).isNull();
            assertThat(a.held()).isFalse();
            assertThat(ledger.bound.inFlight()).isZero();
            assertThat(ledger.awaitIdle(System.nanoTime())).isZero();
        }
    }

    @Test
    @DisplayName("an event confirmed behind an earlier unconfirmed one waits; both are acknowledged in order once the earlier one is confirmed")
    void confirmedInOrder() {
        synchronized (lock) {
            Delivery a = start(0);
            Delivery b = start(1);
            assertThat(ledger.finish(a, a.epoch, Outcome.CONFIRMING)).isNull();
            assertThat(a.stage).isEqualTo(Stage.CONFIRMING);
            assertThat(ledger.finish(b, b.epoch, Outcome.CONFIRMED)).isNull();
            assertThat(b.stage).isEqualTo(Stage.DONE);
            List<Delivery> acks = ledger.confirmed(a, a.epoch);
            assertThat(acks).containsExactly(a, b);
            assertThat(ledger.acknowledged(lane, acks)).isNull();
            assertThat(ledger.bound.inFlight()).isZero();
            assertThat(lane.idle()).isTrue();
        }
    }

    @Test
    @DisplayName("a failure rewinds the key's later events started meanwhile, back to the queue in order; their runs do not count")
    void failureRewinds() {
        synchronized (lock) {
            Delivery a = start(0);
            Delivery b = start(1);
            Delivery c = start(2);
            ledger.finish(a, a.epoch, Outcome.CONFIRMING);
            ledger.finish(b, b.epoch, Outcome.CONFIRMED);
            int runningEpoch = c.epoch; // c is still running

            Failure f = ledger.failed(a, a.epoch, new IllegalStateException("refused"), null, false,
                    Instant.now());
            assertThat(f.next()).isEqualTo(Failure.Next.RETRY_HERE);
            assertThat(f.verdict().delayNanos()).isEqualTo(5_000_000);
            assertThat(queue()).containsExactly(a, b, c);
            assertThat(a.notBefore).isPositive();
            assertThat(b.attempt).as("b's run did not fail: it does not count").isZero();
            assertThat(c.attempt).as("still running: undone when it finishes").isEqualTo(1);

            assertThat(ledger.finish(c, runningEpoch, Outcome.CONFIRMED)).as("stale").isNull();
            assertThat(c.attempt).isZero();
            assertThat(c.held()).isFalse();
        }
    }

    @Test
    @DisplayName("a failure reported for an older run of the event is ignored")
    void staleFailure() {
        synchronized (lock) {
            Delivery a = start(0);
            ledger.finish(a, a.epoch, Outcome.CONFIRMING);
            Failure f = ledger.failed(a, a.epoch - 1, new IllegalStateException(), null, false, Instant.now());
            assertThat(f.next()).isEqualTo(Failure.Next.NOTHING);
            assertThat(a.stage).isEqualTo(Stage.CONFIRMING);
        }
    }

    @Test
    @DisplayName("a fatal failure is dead-lettered; a refused dead letter is sent again, unless the dispatcher stops, then the event stays unacknowledged in its queue")
    void deadLetterRefused() {
        synchronized (lock) {
            Delivery a = start(0);
            Failure f = ledger.failed(a, a.epoch, ProcessingException.fatal("no"), null, true, Instant.now());
            assertThat(f.next()).isEqualTo(Failure.Next.DEAD_LETTER);
            assertThat(f.verdict().deadLetterReason()).isEqualTo("fatal");
            assertThat(f.attempts()).isEqualTo(1);
            assertThat(ledger.deadLetterRefused(a, a.epoch)).as("send again").isTrue();

            ledger.stop(List.of(lane));
            assertThat(ledger.deadLetterRefused(a, a.epoch)).isFalse();
            assertThat(queue()).containsExactly(a);
            assertThat(ledger.awaitIdle(System.nanoTime())).isZero();
        }
    }

    @Test
    @DisplayName("a graceful stop gives up at its deadline, counts what is left, and acknowledges nothing after")
    void stopDeadline() {
        FakeMessage m = message("k", "\"x\"", 0);
        List<Delivery> acks;
        synchronized (lock) {
            Delivery a = start(m);
            ledger.stop(List.of(lane));
            assertThat(ledger.awaitIdle(System.nanoTime() + 5_000_000)).isEqualTo(1);
            acks = ledger.finish(a, a.epoch, Outcome.CONFIRMED);
        }
        assertThat(acks).hasSize(1);
        ledger.acknowledge(acks.get(0));
        assertThat(m.acks.get()).isZero();
    }

    /** Delivers and starts an event of the lane, as a worker would, with its first attempt counted. */
    private Delivery start(long offset) {
        return start(message("k", "\"x\"", offset));
    }

    private Delivery start(FakeMessage m) {
        Delivery d = new Delivery(m, lane);
        ledger.bound.admitted();
        lane.queue.addLast(d);
        lane.queue.pollFirst();
        ledger.take(d);
        d.attempt++;
        return d;
    }

    private List<Delivery> queue() {
        List<Delivery> all = new ArrayList<>();
        for (Delivery d = lane.queue.first(); d != null; d = d.next) {
            all.add(d);
        }
        return all;
    }
}
