package io.twelvefold.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * What to subscribe to.
 *
 * @param channel the channel this subscription serves, for messages that name what to fix, never null
 * @param destination the destination name, never null
 * @param group the consumer group: subscriptions with the same group share messages, each group gets them all
 * @param prefetch how many unacknowledged messages the transport may hand out before it is paused (a hint)
 * @param options the channel's settings for this transport, under
 *     {@code twelvefold.channels.<channel>.<transport>.} with that prefix removed (see
 *     {@link TransportProvider#channelConfigKeys()}), immutable, never null
 */
public record SubscriptionRequest(String channel, String destination, String group, int prefetch,
        Map<String, String> options) {
    /** Validates the components and copies the options. */
    public SubscriptionRequest {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(group, "group");
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1, was " + prefetch);
        }
        options = Map.copyOf(Objects.requireNonNull(options, "options"));
    }

    /**
     * A request without channel options, for a channel named like its destination.
     *
     * @param destination the destination name, never null
     * @param group the consumer group, never null
     * @param prefetch the prefetch hint, at least 1
     */
    public SubscriptionRequest(String destination, String group, int prefetch) {
        this(destination, destination, group, prefetch, Map.of());
    }
}
