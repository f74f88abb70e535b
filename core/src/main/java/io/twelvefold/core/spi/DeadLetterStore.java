package io.twelvefold.core.spi;

import java.util.List;

/**
 * Admin access to the messages a dead-letter destination holds, for the one-off {@code dlq}
 * commands: read them without removing any, and remove one once it was replayed or purged.
 * Replays are published with an ordinary {@link Publisher}. A transport offers it through
 * {@link Transport#deadLetters()}.
 *
 * <p>Meant for one admin process at a time, not for the hot path. Thread-safe.
 */
public interface DeadLetterStore {

    /**
     * Reads the messages a destination holds, without removing, acknowledging or reordering any:
     * after the call the destination holds exactly what it held before. Oldest first within a
     * partition, partitions in order.
     *
     * @param destination the destination (a dead-letter destination such as {@code orders.dlq}),
     *     never null; one that does not exist holds nothing
     * @param group the consumer group whose dead letters to read, never null: where each group
     *     keeps its own copy of a destination (a RabbitMQ queue per group) it picks that copy;
     *     a log that every group reads (Kafka, in-memory) ignores it
     * @param max the most messages to return, positive
     * @return the messages, at most {@code max}, never null
     * @throws io.twelvefold.core.TransportException when the broker cannot be read
     */
    List<StoredMessage> browse(String destination, String group, int max);

    /**
     * Removes one message that {@link #browse} returned, so that no later browse (and no consumer
     * that has not received it yet) sees it. Idempotent.
     *
     * @param message a message {@link #browse} returned, never null
     * @return true when this call removed it, false when it was gone already
     * @throws io.twelvefold.core.TransportException when the broker cannot be reached
     */
    boolean remove(StoredMessage message);

    /**
     * Whether removing a message also removes every earlier message of its partition, as on a log
     * whose progress is a committed offset (Kafka). The {@code dlq} commands then replay and purge
     * only selections that leave no earlier message of a partition behind.
     *
     * @return true for such a store; false (the default) when each message is removed alone
     */
    default boolean removesInOrder() {
        return false;
    }
}
