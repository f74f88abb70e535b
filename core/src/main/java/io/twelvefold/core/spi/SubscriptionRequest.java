package io.twelvefold.core.spi;

import java.time.Duration;
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
 * @param deadLetters whether the channel has a dead-letter destination. False for a channel that
 *     reads dead letters (its destination ends with {@code .dlq}) or whose
 *     {@code dead-letter-destination} is {@code none}: the runtime keeps what it cannot process
 *     unacknowledged instead, so the transport declares and checks no dead-letter objects for the
 *     group and dead-letters nothing of it by itself (a redelivery guard, say)
 * @param brokerRetries the delays a retry handed to the broker ({@link IncomingMessage#redeliverLater})
 *     may have on this subscription, or null when no retry goes to the broker; a transport that keeps
 *     such retries in objects of their own declares (or checks) them with the group's
 */
public record SubscriptionRequest(String channel, String destination, String group, int prefetch,
        Map<String, String> options, boolean deadLetters, DelayRange brokerRetries) {
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
     * A request for a channel with dead letters and no broker retries.
     *
     * @param channel the channel, never null
     * @param destination the destination name, never null
     * @param group the consumer group, never null
     * @param prefetch the prefetch hint, at least 1
     * @param options the channel's settings for this transport, never null
     */
    public SubscriptionRequest(String channel, String destination, String group, int prefetch,
            Map<String, String> options) {
        this(channel, destination, group, prefetch, options, true, null);
    }

    /**
     * A request without channel options, for a channel named like its destination, with dead
     * letters and no broker retries.
     *
     * @param destination the destination name, never null
     * @param group the consumer group, never null
     * @param prefetch the prefetch hint, at least 1
     */
    public SubscriptionRequest(String destination, String group, int prefetch) {
        this(destination, destination, group, prefetch, Map.of());
    }

    /**
     * The delays a broker retry may have: every delay from {@code shortest} to {@code longest}
     * (jitter included) may occur.
     *
     * @param shortest the shortest delay, positive, never null
     * @param longest the longest delay, at least {@code shortest}, never null
     */
    public record DelayRange(Duration shortest, Duration longest) {
        /** Validates the bounds. */
        public DelayRange {
            Objects.requireNonNull(shortest, "shortest");
            Objects.requireNonNull(longest, "longest");
            if (shortest.isNegative() || shortest.isZero() || longest.compareTo(shortest) < 0) {
                throw new IllegalArgumentException("a delay range needs 0 < shortest <= longest, was " + shortest
                        + " to " + longest);
            }
        }
    }
}
