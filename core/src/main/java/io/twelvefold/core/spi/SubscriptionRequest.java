package io.twelvefold.core.spi;

import java.util.Objects;

/**
 * What to subscribe to.
 *
 * @param destination the destination name, never null
 * @param group the consumer group: subscriptions with the same group share messages, each group gets them all
 * @param prefetch how many unacknowledged messages the transport may hand out before it is paused (a hint)
 */
public record SubscriptionRequest(String destination, String group, int prefetch) {
    /** Validates the components. */
    public SubscriptionRequest {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(group, "group");
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1, was " + prefetch);
        }
    }
}
