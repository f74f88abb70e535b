package io.twelvefold.core.spi;

import java.util.concurrent.CompletableFuture;

/** Sends messages to one destination. Thread-safe. */
public interface Publisher extends AutoCloseable {

    /**
     * Sends a message. The future completes when the broker confirmed it (it is durable as far as
     * the transport can tell), or exceptionally when it was refused or could not be sent.
     * Messages with the same key reach the broker in the order they were sent when one send
     * happens-before the next, even from different threads: the dispatcher sends the outputs of a
     * key's next event before the previous event's outputs are confirmed, and relies on this.
     *
     * @param message the message, never null
     * @return the confirmation, never null
     */
    CompletableFuture<Void> send(OutgoingMessage message);

    /** Waits for outstanding sends to be confirmed or failed, then releases resources. Idempotent. */
    @Override
    void close();
}
