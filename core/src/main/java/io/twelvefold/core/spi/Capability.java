package io.twelvefold.core.spi;

/**
 * What a transport can do. The runtime and the conformance kit read them; a scenario that needs a
 * capability the transport lacks is reported as skipped, never silently passed.
 */
public enum Capability {
    /** Destinations are partitioned by key; a key's messages are delivered in order within a group. */
    ORDERED_BY_KEY,
    /** Several subscriptions with the same group share the messages of a destination. */
    COMPETING_CONSUMERS,
    /** Each group receives every message of a destination. */
    FAN_OUT,
    /** Messages not acknowledged when a subscription closes are delivered again. */
    REDELIVERY,
    /** The consumer can stop fetching without leaving the group ({@link Subscription#pause()}). */
    PAUSE_RESUME,
    /** Messages survive a restart of the broker. */
    DURABLE,
    /**
     * A delivered message can be stored again on the broker and delivered to its group after a
     * delay ({@link IncomingMessage#redeliverLater}), which the runtime uses for long retries.
     */
    DELAYED_REDELIVERY,
    /**
     * The thread that calls {@link MessageHandler#onMessage} may run the processor before it returns:
     * while it does, only the later deliveries of that subscription wait (in the transport, bounded by
     * the prefetch), never the transport's heartbeats, acknowledgements, confirmations or other
     * subscriptions. The runtime then runs short attempts there instead of handing them to a worker.
     */
    INLINE_PROCESSING
}
