package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.spi.Subscription;

/**
 * The one place that decides when a subscription pauses. Two bounds, both counted from the messages
 * delivered and neither acknowledged nor dropped:
 * <ul>
 *   <li><b>in flight</b>: those that can make progress (waiting for a worker, running, waiting for a
 *       confirmation, or for their own retry delay), at most {@code max-in-flight};</li>
 *   <li><b>parked</b>: those queued behind an event of their key whose retry delay is not over,
 *       at most {@value #PARKED_FACTOR} × {@code max-in-flight}. They cannot start before that
 *       retry anyway, so they do not take the place of other keys' events: a few keys waiting for
 *       retries no longer pause every key.</li>
 * </ul>
 * At either bound the subscription pauses; it resumes when both are at half their bound or below.
 *
 * <p>Not thread-safe: every method is called under the scheduler's lock (so pause and resume are
 * called in the order the counts changed).
 */
final class InFlightBound {
    /** The parked bound is this many times {@code max-in-flight}. */
    static final int PARKED_FACTOR = 16;

    private final int max;
    private final int resumeAt;
    private final int maxParked;
    private final int resumeParkedAt;
    /** Delivered and not left, parked ones included. */
    private int delivered;
    private int parked;
    private boolean paused;
    private boolean stopped;
    private Subscription subscription;

    InFlightBound(int maxInFlight) {
        this.max = maxInFlight;
        this.resumeAt = maxInFlight / 2;
        this.maxParked = PARKED_FACTOR * maxInFlight;
        this.resumeParkedAt = maxParked / 2;
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
        delivered++;
        update();
    }

    /** A message was acknowledged or dropped; resumes the subscription once both counts are at half. */
    void left() {
        delivered--;
        update();
    }

    /** The messages waiting behind retry delays changed by {@code delta} (they stay delivered). */
    void parked(int delta) {
        parked += delta;
        update();
    }

    private void update() {
        if (stopped) {
            return;
        }
        int inFlight = delivered - parked;
        if (!paused && (inFlight >= max || parked >= maxParked)) {
            paused = true;
            if (subscription != null) {
                subscription.pause();
            }
        } else if (paused && inFlight <= resumeAt && parked <= resumeParkedAt) {
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

    /** @return the messages delivered and neither acknowledged nor dropped, parked ones included */
    int inFlight() {
        return delivered;
    }

    /** @return the messages waiting behind a retry delay of their key */
    int parked() {
        return parked;
    }

    /** @return whether the subscription is paused (at a bound, or stopped) */
    boolean paused() {
        return paused || stopped;
    }
}
