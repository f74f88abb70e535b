package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.SubscriptionRequest;
import java.time.Duration;
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
 *
 * <p>Only the dispatcher makes instances; {@link #brokerRetries} tells a transport which delays its
 * broker retries may have.
 */
public final class RetryPolicy {
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

    /**
     * The delays a retry handed to the broker may have on a channel: from the first backoff that
     * reaches {@code retry.broker-delay-from}, less its jitter, to the backoff of the last attempt
     * ({@code max-attempts}), plus its jitter; every delay between may occur. Backoffs never
     * shrink from one attempt to the next ({@code backoff.multiplier} is at least 1).
     *
     * @param settings the channel's settings
     * @return the range, or null when no retry goes to the broker ({@code broker-delay-from}
     *     unset, or no backoff reaches it, or {@code max-attempts} is 1)
     */
    public static SubscriptionRequest.DelayRange brokerRetries(ChannelSettings settings) {
        if (settings.brokerDelayFrom() == null || settings.maxAttempts() < 2) {
            return null;
        }
        RetryPolicy policy = new RetryPolicy(settings, List.of());
        long longest = policy.backoffNanos(settings.maxAttempts());
        if (!policy.brokerRetry(longest)) {
            return null;
        }
        int first = 2;
        while (!policy.brokerRetry(policy.backoffNanos(first))) {
            first++;
        }
        double j = settings.backoffJitter();
        long shortest = (long) Math.floor(policy.backoffNanos(first) * (1 - j));
        return new SubscriptionRequest.DelayRange(Duration.ofNanos(Math.max(1, shortest)),
                Duration.ofNanos((long) Math.ceil(longest * (1 + j))));
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
