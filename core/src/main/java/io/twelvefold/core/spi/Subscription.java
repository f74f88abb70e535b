package io.twelvefold.core.spi;

/** A group's subscription to a destination. Thread-safe. */
public interface Subscription extends AutoCloseable {

    /**
     * Stops delivering messages until {@link #resume()}, without leaving the group. Messages
     * already on their way may still arrive. Idempotent.
     */
    void pause();

    /** Delivers messages again after {@link #pause()}. Idempotent. */
    void resume();

    /**
     * Leaves the group. Messages delivered and not acknowledged before this call will be delivered
     * again (to this group); acknowledgements after it are ignored. Idempotent.
     */
    @Override
    void close();
}
