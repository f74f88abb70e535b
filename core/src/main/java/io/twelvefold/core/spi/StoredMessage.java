package io.twelvefold.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * A message as a destination holds it, read by {@link DeadLetterStore#browse}. Immutable apart
 * from the payload array, which callers must not modify.
 *
 * @param destination the destination it was read from, never null
 * @param group the group it was read for (see {@link DeadLetterStore#browse}), never null
 * @param partition its partition, 0 for an unpartitioned destination
 * @param position where it is in the partition (an offset, a position in a queue); with the
 *     destination and partition it names the message to {@link DeadLetterStore#remove}
 * @param key the partition key, may be null
 * @param attributes the CloudEvents attributes by their CloudEvents names, never null
 * @param headers the other headers (the {@code twelvefold-dlq-*} ones included), never null
 * @param payload the payload bytes, never null
 */
public record StoredMessage(String destination, String group, int partition, long position, String key,
        Map<String, String> attributes, Map<String, String> headers, byte[] payload) {
    /** Validates the components and copies the maps. */
    public StoredMessage {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(group, "group");
        attributes = Map.copyOf(Objects.requireNonNull(attributes, "attributes"));
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(payload, "payload");
    }
}
