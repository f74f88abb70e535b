package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a failed attempt leads to: another attempt after a backoff (waiting in the process, or on
 * the broker when the backoff reaches {@code retry.broker-delay-from}), or a dead letter (every
 * attempt made, or an error no retry can fix). Thread-safe.
 *
 * <pre>
 * delay(n) = min(backoff.max, backoff.initial * backoff.multiplier^(n-2)) ± backoff.jitter   (n = 2, 3, ...)
 * </pre>
 */
final class RetryPolicy {
    /** Attempts counted in the backoff of a dead letter's re-sends, so that it never overflows. */
    private static final int MAX_RESEND_EXPONENT = 32;

    private final ChannelSettings settings;
    private final Class<?>[] nonRetryable;
    /** The transport showed it cannot redeliver later: every retry waits in the process. */
    private volatile boolean brokerUnsupported;

    /**
     * @param settings the channel's backoff and attempts
     * @param nonRetryable exception types (and their subtypes) never retried
     */
    RetryPolicy(ChannelSettings settings, List<Class<? extends Throwable>> nonRetryable) {
        this.settings = settings;
        this.nonRetryable = nonRetryable.toArray(new Class<?>[0]);
    }

    /**
     * The decision on a failure.
     *
     * @param deadLetterReason why the event is dead-lettered, a {@code twelvefold-dlq-reason} value;
     *     null to retry
     * @param delayNanos the retry's delay with its jitter (0 for a dead letter)
     * @param toBroker whether the retry goes to the broker, when the transport can take it
     */
    record Verdict(String deadLetterReason, long delayNanos, boolean toBroker) {
    }

    /**
     * Decides what follows a failed attempt.
     *
     * @param attemptsMade the attempts made, the failed one included
     * @param failure what the attempt threw, or why its outputs were refused
     * @return the verdict, never null
     */
    Verdict decide(int attemptsMade, Throwable failure) {
        String poison = failure instanceof PoisonException ? ((PoisonException) failure).reason() : null;
        if (poison != null) {
            return new Verdict(poison, 0, false);
        }
        if (!retryable(failure)) {
            return new Verdict("fatal", 0, false);
        }
        if (attemptsMade >= settings.maxAttempts()) {
            return new Verdict("exhausted", 0, false);
        }
        long backoff = backoffNanos(attemptsMade + 1);
        return new Verdict(null, jitter(backoff), !brokerUnsupported && brokerRetry(backoff));
    }

    /**
     * The transport cannot redeliver a message later: from now on every retry waits in the process.
     *
     * @return whether this is the first time it was found (to say so once)
     */
    boolean brokerUnsupported() {
        if (brokerUnsupported) {
            return false;
        }
        brokerUnsupported = true;
        return true;
    }

    /**
     * Whether another attempt may help: not for a non-retryable {@link ProcessingException}, nor
     * for an exception of a type declared with {@code App.Builder.nonRetryable}.
     */
    boolean retryable(Throwable e) {
        if (e instanceof ProcessingException && !((ProcessingException) e).retryable()) {
            return false;
        }
        for (Class<?> c : nonRetryable) {
            if (c.isInstance(e)) {
                return false;
            }
        }
        return true;
    }

    /** The delay before sending a refused dead letter again, after {@code attemptsMade} attempts. */
    long deadLetterResendNanos(int attemptsMade) {
        return jitter(backoffNanos(Math.min(attemptsMade + 1, MAX_RESEND_EXPONENT)));
    }

    /**
     * The delay before attempt {@code nextAttempt} (2 for the first retry), without jitter.
     *
     * @param nextAttempt the attempt about to be scheduled, at least 2
     * @return the delay in nanoseconds
     */
    long backoffNanos(int nextAttempt) {
        double base = settings.backoffInitial().toNanos() * Math.pow(settings.backoffMultiplier(), nextAttempt - 2);
        return (long) Math.min(base, (double) settings.backoffMax().toNanos());
    }

    /** Whether a retry with this backoff (without jitter) goes to the broker: {@code broker-delay-from} set and reached. */
    private boolean brokerRetry(long backoffNanos) {
        return settings.brokerDelayFrom() != null && backoffNanos >= settings.brokerDelayFrom().toNanos();
    }

    private long jitter(long nanos) {
        double j = settings.backoffJitter();
        if (j == 0) {
            return nanos;
        }
        double factor = 1 + j * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return (long) (nanos * factor);
    }
}
