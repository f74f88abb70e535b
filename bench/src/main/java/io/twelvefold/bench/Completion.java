package io.twelvefold.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts processed events and wakes the benchmark thread when a batch is complete.
 *
 * <p>The waiter parks instead of spinning: on a single pinned core a spinning waiter would steal
 * the CPU from the threads it waits for. The consumer that completes the batch unparks it; the
 * short park timeout only bounds the cost of a lost wake-up.
 */
final class Completion {
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong done = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;

    /** Called by consumers, once per processed event. */
    void arrive() {
        if (done.incrementAndGet() == target) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /** Called by the benchmark thread before it hands off a batch of {@code events}. */
    void expect(int events) {
        waiter = Thread.currentThread();
        target = done.get() + events;
    }

    /**
     * Waits until every expected event arrived.
     *
     * @return the number of events processed so far (for the blackhole)
     * @throws IllegalStateException when the batch does not complete within the timeout
     */
    long await(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        long goal = target;
        long now;
        while ((now = done.get()) < goal) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Only " + (now - (goal - Bench.BATCH)) + " of " + Bench.BATCH
                        + " events were processed within " + timeout + " " + unit + "; is the pipeline running?");
            }
            LockSupport.parkNanos(this, PARK_NANOS);
        }
        return now;
    }
}
