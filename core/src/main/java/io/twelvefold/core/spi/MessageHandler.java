package io.twelvefold.core.spi;

import java.util.Set;

/** Receives what a subscription delivers. Called by one transport thread at a time. */
public interface MessageHandler {

    /**
     * A message arrived. The handler must return quickly: it queues the message for processing and
     * acknowledges it later through {@link IncomingMessage#ack()}.
     *
     * @param message the message, never null
     */
    void onMessage(IncomingMessage message);

    /**
     * This subscription no longer owns these partitions (a rebalance). The handler drops the
     * queued messages of those partitions without acknowledging them and returns once nothing of
     * them is being processed, so the transport can commit and hand them over.
     *
     * @param partitions the revoked partitions, never null
     */
    default void onPartitionsRevoked(Set<Integer> partitions) {
    }

    /**
     * The broker cancelled the subscription (its queue was deleted, the group was fenced): no more
     * messages will come.
     *
     * @param reason why, never null
     */
    default void onCancelled(String reason) {
    }
}
