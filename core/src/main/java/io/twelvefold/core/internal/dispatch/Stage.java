package io.twelvefold.core.internal.dispatch;

/**
 * Where a delivery is on its way to its acknowledgement. Changed only under the scheduler's lock.
 *
 * <pre>
 *   QUEUED ──take──> RUNNING ──outputs pending──> CONFIRMING ──confirmed──> DONE ──(earlier ones acknowledged)──> acknowledged
 *     ^                 │ └──────────confirmed at once──────────────────────────^
 *     │                 └─failed─> QUEUED (retry in the process) | CONFIRMING (dead letter, or a copy handed to the broker)
 *     └──────── rewound (an earlier event of its key failed) ───────────────────────────────┘
 * </pre>
 */
enum Stage {
    /** In its lane's queue: not started yet, waiting for a retry, or rewound to run again. */
    QUEUED,
    /** Taken: a thread runs an attempt on it. */
    RUNNING,
    /** Waiting for the broker: its outputs, its dead letter, or its copy for a delayed retry. */
    CONFIRMING,
    /** Confirmed; acknowledged once every earlier event of its key is. */
    DONE
}
