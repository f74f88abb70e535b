package io.twelvefold.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * What to publish to.
 *
 * @param channel the channel the publisher serves (or the channel whose dead letters it sends),
 *     for messages that name what to fix, never null
 * @param destination the destination name (a topic, an exchange), never null
 * @param options the channel's settings for this transport, under
 *     {@code twelvefold.channels.<channel>.<transport>.} with that prefix removed (see
 *     {@link TransportProvider#channelConfigKeys()}), immutable, never null
 */
public record PublisherRequest(String channel, String destination, Map<String, String> options) {
    /** Validates the components and copies the options. */
    public PublisherRequest {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(destination, "destination");
        options = Map.copyOf(Objects.requireNonNull(options, "options"));
    }

    /**
     * A request without channel options, for a channel named like its destination.
     *
     * @param destination the destination name, never null
     * @return the request, never null
     */
    public static PublisherRequest of(String destination) {
        return new PublisherRequest(destination, destination, Map.of());
    }
}
