package io.twelvefold.core.internal.dispatch;

import java.time.Instant;

/**
 * What a failure ({@link Ledger#failed}) left to do outside the lock, and the delivery's counts as
 * they were under it.
 *
 * @param next what to do
 * @param verdict the retry decision
 * @param attempts attempts made
 * @param firstFailure the first failure's instant
 * @param lastFailure the last failure's instant
 */
record Failure(Next next, RetryPolicy.Verdict verdict, int attempts, Instant firstFailure, Instant lastFailure) {
    static final Failure IGNORED = new Failure(Next.NOTHING, null, 0, null, null);

    /** What the thread that reported a failure does next, outside the lock. */
    enum Next {
        /** Nothing: the failure was stale (the event was rewound or settled meanwhile). */
        NOTHING,
        /** Nothing more: it waits in the process for its retry (or was dropped, its partition revoked). */
        RETRY_HERE,
        /** Hand the retry to the broker ({@link BrokerHandOff}). */
        HAND_OFF,
        /** Send the dead letter ({@link DeadLetterer}). */
        DEAD_LETTER
    }
}
