package io.twelvefold.transport.rabbitmq;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds back the acknowledgements that a thread makes while it completes one batch of publisher
 * confirms, and sends them at the end of the batch.
 *
 * <p>The broker confirms publishes in batches ({@code basic.ack multiple=true}); completing the
 * sends of one batch completes the inputs they came from one after the other on the same thread,
 * and each of those acknowledges its input. Flushed one by one, that is one {@code basic.ack} per
 * input; held until the batch ends, the contiguous ones go out as one {@code multiple} ack, as a
 * hand-written loop acknowledges a confirm batch. Nothing waits longer than the batch itself.
 *
 * <p>Thread-confined: only the thread that opened a batch defers to it.
 */
final class AckBatch {
    private static final ThreadLocal<AckBatch> CURRENT = new ThreadLocal<>();

    private final List<RabbitMqSubscription> pending = new ArrayList<>(2);

    private AckBatch() {
    }

    /**
     * Opens a batch on this thread.
     *
     * @return the batch to {@link #close()}, or null when one is already open (nested: the outer one flushes)
     */
    static AckBatch open() {
        if (CURRENT.get() != null) {
            return null;
        }
        AckBatch batch = new AckBatch();
        CURRENT.set(batch);
        return batch;
    }

    /**
     * Leaves a subscription's flush to the batch open on this thread, if any.
     *
     * @return whether a batch took it (else the caller flushes now)
     */
    static boolean defer(RabbitMqSubscription subscription) {
        AckBatch batch = CURRENT.get();
        if (batch == null) {
            return false;
        }
        // few subscriptions per transport: a list beats a set
        for (int i = 0; i < batch.pending.size(); i++) {
            if (batch.pending.get(i) == subscription) {
                return true;
            }
        }
        batch.pending.add(subscription);
        return true;
    }

    /** Ends the batch: flushes every subscription that deferred to it. */
    void close() {
        CURRENT.remove();
        for (int i = 0; i < pending.size(); i++) {
            pending.get(i).flushCompletions();
        }
    }
}
