package io.twelvefold.core.internal.dispatch;

/**
 * The events of one key (an unkeyed event gets a lane of its own): those not started yet, in
 * delivery order, and the started ones waiting for their acknowledgement ({@link AckSequencer}).
 * At most one thread holds a lane at a time, so a key's events run one at a time and in order.
 *
 * <p>Not thread-safe: guarded by the scheduler's lock.
 */
final class Lane {
    /** Its key, or null for an unkeyed event's lane. */
    final String key;
    /** Not started, waiting for a retry, or rewound to run again; in delivery order. */
    final DeliveryList queue = new DeliveryList();
    /** Started and not acknowledged, in delivery order. */
    final AckSequencer started = new AckSequencer();
    /** Held by a thread or waiting in the ready queue for one: nobody else may run it. */
    boolean scheduled;
    /**
     * Its newest started event, being handed to the broker for a delayed retry: nothing else of the
     * key starts until the broker stored the copy, so that falling back to a retry in the process
     * never has later events to rewind.
     */
    Delivery handOff;
    /**
     * How many of its queued events {@link InFlightBound} counts as waiting behind a retry delay
     * ({@link Ledger#recount}).
     */
    int parked;

    Lane(String key) {
        this.key = key;
    }

    /**
     * The event its holder may start now.
     *
     * @param closing whether the dispatcher is stopping (nothing starts any more)
     * @return the queue's head, or null: empty, stopping, a hand-off pending, or a retry delay not over
     */
    Delivery runnable(boolean closing) {
        Delivery h = queue.first();
        if (h == null || closing || handOff != null || waitingForRetry()) {
            return null;
        }
        return h;
    }

    /** @return whether its head waits for a retry delay that is not over: the whole queue waits behind it */
    boolean waitingForRetry() {
        Delivery h = queue.first();
        return h != null && h.notBefore != 0 && h.notBefore - System.nanoTime() > 0;
    }

    /** Nothing queued, started or acknowledging, and nobody holds it: it is no longer its key's lane. */
    boolean idle() {
        return !scheduled && queue.isEmpty() && started.idle();
    }
}
