package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.spi.Subscription;

/**
 * The one place that decides when a subscription pauses: at most {@code max-in-flight} messages are
 * delivered and neither acknowledged nor dropped; at that bound the subscription pauses, and it
 * resumes when half of them left. Every message counts, whatever it waits for (a worker, a retry
 * delay in the process, a confirmation).
 *
 * <p>Not thread-safe: every method is called under the scheduler's lock (so pause and resume are
 * called in the order the counts changed).
 */
final class InFlightBound {
    private final int max;
    private final int resumeAt;
    private int inFlight;
    private boolean paused;
    private boolean stopped;
    private Subscription subscription;

    InFlightBound(int maxInFlight) {
        this.max = maxInFlight;
        this.resumeAt = maxInFlight / 2;
    }

    /** The subscription the transport returned; messages may have arrived before. */
    void bind(Subscription s) {
        subscription = s;
        if (paused || stopped) {
            s.pause();
        }
    }

    Subscription subscription() {
        return subscription;
    }

    /** A message was delivered; pauses the subscription when it reaches the bound. */
    void admitted() {
        inFlight++;
        if (!paused && inFlight >= max) {
            paused = true;
            if (subscription != null) {
                subscription.pause();
            }
        }
    }

    /** A message was acknowledged or dropped; resumes the subscription at half the bound. */
    void left() {
        inFlight--;
        if (paused && !stopped && inFlight <= resumeAt) {
            paused = false;
            if (subscription != null) {
                subscription.resume();
            }
        }
    }

    /** Fetching stops for good (a graceful stop): paused, never resumed. */
    void stop() {
        stopped = true;
        if (subscription != null) {
            subscription.pause();
        }
    }

    int inFlight() {
        return inFlight;
    }

    /** @return whether the subscription is paused (at the bound, or stopped) */
    boolean paused() {
        return paused || stopped;
    }
}
