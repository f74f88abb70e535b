package io.twelvefold.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * A message to publish: the same shape as an {@link IncomingMessage} without the delivery details.
 *
 * @param key the partition key, may be null
 * @param attributes the CloudEvents attributes by their CloudEvents names, never null
 * @param headers the other headers, never null
 * @param payload the payload bytes, never null
 */
public record OutgoingMessage(String key, Map<String, String> attributes, Map<String, String> headers, byte[] payload) {
    /** Validates the components and copies the maps. */
    public OutgoingMessage {
        attributes = Map.copyOf(Objects.requireNonNull(attributes, "attributes"));
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(payload, "payload");
    }
}
