package io.twelvefold.core.internal.dispatch;

import io.micrometer.core.instrument.Counter;

/**
 * A count that can start before its Micrometer {@link Counter} exists: the meters are registered
 * after the app is ready, so that building a registry never delays readiness, and what was counted
 * before is handed over when the counter is bound. Lock-free once bound; before that, increments
 * synchronize on this object (only in the moments after start). Thread-safe.
 */
final class LateCounter {
    private volatile Counter counter;
    private long early; // guarded by this; counted before the counter was bound

    /** Adds one. */
    void increment() {
        Counter c = counter;
        if (c == null) {
            synchronized (this) {
                c = counter;
                if (c == null) {
                    early++;
                    return;
                }
            }
        }
        c.increment();
    }

    /**
     * Binds the counter, carrying over what was counted so far. Idempotent: the first counter stays.
     *
     * @param c the registered counter
     */
    void bind(Counter c) {
        synchronized (this) {
            if (counter != null) {
                return;
            }
            if (early > 0) {
                c.increment(early);
                early = 0;
            }
            counter = c;
        }
    }

    /** @return whether a counter is bound */
    boolean bound() {
        return counter != null;
    }
}
