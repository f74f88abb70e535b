package io.twelvefold.core.spi;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
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
     * @param request the destination and the channel's options, never null
     * @return a publisher, never null
     * @throws io.twelvefold.core.TransportException when the destination cannot be used (it does not
     *     exist and the transport was told not to create it, say), naming what to fix
     */
    Publisher publisher(PublisherRequest request);

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

    /**
     * Called once, after the app turned READY, on a runtime thread that is not on the way to READY
     * nor to the first events: the place to register the transport's own meters (count from
     * {@code create} on, register here). Must not block on the broker. Not called on a transport
     * that no app owns (the conformance kit's own).
     *
     * @param registry the app's meter registry, never null
     */
    default void onReady(MeterRegistry registry) {
    }

    /**
     * Declares every broker object a subscription with this request needs (the destination, the
     * group's queue, its dead-letter objects unless {@link SubscriptionRequest#deadLetters()} is
     * false, the objects that hold its {@link SubscriptionRequest#brokerRetries() broker retries}),
     * without consuming anything, for the one-off
     * {@code provision} command; with the transport's declare-nothing setting it checks them
     * instead. Publishers need no such call: {@link #publisher} declares what it sends to without
     * sending anything. Idempotent. The default does nothing: a transport whose subscriptions need
     * no declaration.
     *
     * @param request the subscription the app would open, never null
     * @return the objects beyond the destination and the group's queue that were declared (or
     *     checked), one short description each for the command's output (the broker retries'
     *     queues: {@code queue 'orders.shop.retry.1s'}), in order, never null, empty by default
     * @throws io.twelvefold.core.TransportException when an object cannot be declared (or is
     *     missing, with the declare-nothing setting), naming it
     */
    default List<String> provision(SubscriptionRequest request) {
        return List.of();
    }

    /**
     * Admin access to dead letters for the {@code dlq} commands: browse a destination without
     * removing anything, remove one message. The store lives as long as this transport.
     *
     * @return the store, or empty when this transport cannot browse (the default), never null
     */
    default Optional<DeadLetterStore> deadLetters() {
        return Optional.empty();
    }

    /** Closes every publisher and subscription and disconnects. Idempotent. */
    @Override
    void close();
}
