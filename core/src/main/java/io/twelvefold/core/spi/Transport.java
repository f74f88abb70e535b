package io.twelvefold.core.spi;

import java.util.Set;

/**
 * A connection to a broker that opens publishers and subscriptions for named destinations.
 *
 * <p>Thread-safe. The runtime, not the transport, decides when a message is acknowledged.
 */
public interface Transport extends AutoCloseable {

    /** @return what this transport can do, never null */
    Set<Capability> capabilities();

    /**
     * Opens a publisher for a destination. Publishers are thread-safe and may be shared.
     *
     * @param destination the destination name (a topic, an exchange), never null
     * @return a publisher, never null
     */
    Publisher publisher(String destination);

    /**
     * Subscribes a group to a destination. Messages are delivered to the handler on a transport
     * thread, one call at a time per subscription, in partition order.
     *
     * <p>When this method returns, every message published to the destination afterwards will be
     * delivered to the group: the transport has joined the group or bound the queue. A group that
     * subscribes for the first time starts at the earliest message the destination still holds
     * (Kafka {@code auto.offset.reset=earliest}), so nothing published between the declaration of a
     * group and its first subscription is lost.
     *
     * @param request the destination, group and prefetch, never null
     * @param handler receives messages and partition changes, never null
     * @return the subscription, never null
     */
    Subscription subscribe(SubscriptionRequest request, MessageHandler handler);

    /**
     * Whether the broker is reachable now; readiness reports DOWN while it is not.
     *
     * @return true when connected
     */
    default boolean connected() {
        return true;
    }

    /** Closes every publisher and subscription and disconnects. Idempotent. */
    @Override
    void close();
}
