package io.twelvefold.core.internal.dispatch;

/** How one attempt ended, as the thread that ran it reports it to the scheduler right after. */
enum Outcome {
    /** Its outputs were confirmed at once and it was its key's oldest: the thread acknowledged it. */
    ACKNOWLEDGED,
    /** Its outputs were confirmed at once; an earlier event of its key is not acknowledged yet. */
    CONFIRMED,
    /** Its outputs are being confirmed: a callback on the dispatcher's callback thread settles it. */
    CONFIRMING,
    /** It failed, and the failure was handled where it happened (retry, hand-off or dead letter). */
    FAILED
}
