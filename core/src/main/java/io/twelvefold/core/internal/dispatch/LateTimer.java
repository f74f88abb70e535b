package io.twelvefold.core.internal.dispatch;

import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Durations that can be recorded before their Micrometer {@link Timer} exists (see
 * {@link LateCounter}). Before binding it keeps the count, the total and the maximum, which is
 * what a timer publishes by default; binding records them into the timer so that all three come
 * out exact (the durations between the maximum and the others are spread evenly: a histogram, when
 * one is configured, sees those early ones at their mean). Thread-safe.
 */
final class LateTimer {
    private volatile Timer timer;
    // guarded by this; recorded before the timer was bound
    private long count;
    private long totalNanos;
    private long maxNanos;

    /**
     * Records one duration.
     *
     * @param nanos the duration in nanoseconds, at least 0
     */
    void record(long nanos) {
        Timer t = timer;
        if (t == null) {
            synchronized (this) {
                t = timer;
                if (t == null) {
                    count++;
                    totalNanos += nanos;
                    maxNanos = Math.max(maxNanos, nanos);
                    return;
                }
            }
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Binds the timer, carrying over what was recorded so far. Idempotent: the first timer stays.
     *
     * @param t the registered timer
     */
    void bind(Timer t) {
        synchronized (this) {
            if (timer != null) {
                return;
            }
            if (count > 0) {
                t.record(maxNanos, TimeUnit.NANOSECONDS);
                long others = count - 1;
                if (others > 0) {
                    // each of the others is at most the maximum, so their mean is too
                    long rest = totalNanos - maxNanos;
                    long each = rest / others;
                    long remainder = rest % others;
                    for (long i = 0; i < others; i++) {
                        t.record(i < remainder ? each + 1 : each, TimeUnit.NANOSECONDS);
                    }
                }
                count = 0;
                totalNanos = 0;
                maxNanos = 0;
            }
            timer = t;
        }
    }
}
