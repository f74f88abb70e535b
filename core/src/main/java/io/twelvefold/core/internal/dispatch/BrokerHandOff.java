package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.IncomingMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Both ends of a retry handed to the broker ({@link IncomingMessage#redeliverLater}): the hand-off,
 * with the attempts made and the first failure in two headers of the copy; and, when a copy comes
 * back, the count taken over from them. If the broker does not store the copy, the retry waits in
 * the process after all. The broker's answer is handled on the dispatcher's callback executor,
 * never on the transport's thread that completes it. Thread-safe.
 */
final class BrokerHandOff {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerHandOff.class);

    private final ChannelSettings settings;
    private final LaneScheduler scheduler;
    private final Executor callbacks;
    private final RetryPolicy retries;

    BrokerHandOff(ChannelSettings settings, LaneScheduler scheduler, Executor callbacks, RetryPolicy retries) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.callbacks = callbacks;
        this.retries = retries;
    }

    /**
     * Hands a retry to the broker: it stores a copy that comes back to this group after {@code delay}.
     * The message is acknowledged once the copy is stored; if it cannot be, the retry waits in the
     * process for what is left of the delay. Outside the lock, on the thread that reported the failure.
     *
     * @param f the failure, with the attempts made and the first failure
     */
    void handOff(Delivery d, int epoch, Failure f) {
        long delay = f.verdict().delayNanos();
        long due = System.nanoTime() + delay;
        Map<String, String> headers = Map.of(Envelopes.RETRY_ATTEMPTS, Integer.toString(f.attempts()),
                Envelopes.RETRY_FIRST_FAILURE, f.firstFailure().toString());
        CompletableFuture<Void> stored;
        try {
            stored = d.message.redeliverLater(Duration.ofNanos(delay), headers);
        } catch (RuntimeException e) {
            stored = CompletableFuture.failedFuture(e);
        }
        if (stored == null) {
            if (retries.brokerUnsupported()) {
                LOG.warn("Channel '{}': the transport cannot redeliver a message later, so "
                        + "twelvefold.channels.{}.retry.broker-delay-from ({} ms) has no effect: retries wait in the "
                        + "process", settings.channel(), settings.channel(), settings.brokerDelayFrom().toMillis());
            }
            scheduler.retryHere(d, epoch, due);
            return;
        }
        stored.whenCompleteAsync(new Stored(d, epoch, due), callbacks);
    }

    /** On the callback executor: the broker's answer to a hand-off. */
    private final class Stored implements BiConsumer<Void, Throwable> {
        private final Delivery d;
        private final int epoch;
        private final long due;

        Stored(Delivery d, int epoch, long due) {
            this.d = d;
            this.epoch = epoch;
            this.due = due;
        }

        @Override
        public void accept(Void v, Throwable err) {
            if (err == null) {
                scheduler.handedOff(d, epoch);
                return;
            }
            LOG.warn("Channel '{}': the broker did not store event {} for its retry in {} ms; it waits in the process "
                    + "instead: {}", settings.channel(), d, (due - System.nanoTime()) / 1_000_000, unwrap(err).toString());
            scheduler.retryHere(d, epoch, due);
        }
    }

    /**
     * At its first attempt: a copy the broker delivered again for a delayed retry goes on with the
     * attempt count and the first failure of the delivery it was made from. On the thread that runs
     * the attempt.
     */
    void takeOverAttempts(Delivery d) {
        Map<String, String> headers = d.message.headers();
        String attempts = headers.get(Envelopes.RETRY_ATTEMPTS);
        if (attempts == null) {
            return;
        }
        d.retried = true;
        String first = headers.get(Envelopes.RETRY_FIRST_FAILURE);
        try {
            int made = Integer.parseInt(attempts.strip());
            Instant firstFailure = first == null ? null : Instant.parse(first.strip());
            if (made >= 1) {
                d.attempt = made;
                d.firstFailure = firstFailure;
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            LOG.warn("Channel '{}': event {} has malformed retry headers ({}: '{}', {}: '{}'); its attempts are counted "
                    + "from 1", settings.channel(), d, Envelopes.RETRY_ATTEMPTS, attempts,
                    Envelopes.RETRY_FIRST_FAILURE, first);
        }
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
