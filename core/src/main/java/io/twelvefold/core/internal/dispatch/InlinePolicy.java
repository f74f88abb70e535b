package io.twelvefold.core.internal.dispatch;

/**
 * Whether the delivery thread may run an attempt itself: when the transport allows it and the
 * channel's attempts took less than {@code inline-below} on average, handing an event to a worker
 * (a queue, a wake-up, a context switch) would cost about as much as the attempt. The average is a
 * moving one (weight 1/16 per attempt) that starts at four times the threshold, so that a few dozen
 * short attempts come first. Thread-safe, and racy by design: a lost update only shifts the average
 * by one sample.
 */
final class InlinePolicy {
    /** Attempts shorter than this on average may run on the delivery thread; 0: never. */
    private final long belowNanos;
    private volatile long averageNanos;

    InlinePolicy(long belowNanos) {
        this.belowNanos = belowNanos;
        this.averageNanos = 4 * belowNanos;
    }

    /** @return whether attempts are short enough to run on the delivery thread */
    boolean allows() {
        return belowNanos > 0 && averageNanos < belowNanos;
    }

    /** Adds an attempt that started at {@code startNanos} ({@link System#nanoTime()}) and ended now. */
    void record(long startNanos) {
        if (belowNanos > 0) {
            long avg = averageNanos;
            averageNanos = avg + ((System.nanoTime() - startNanos - avg) >> 4);
        }
    }
}
