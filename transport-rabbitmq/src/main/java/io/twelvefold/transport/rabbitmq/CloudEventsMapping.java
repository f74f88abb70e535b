package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import io.twelvefold.core.spi.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CloudEvents AMQP binding (binary content mode) on AMQP 0-9-1 messages, both ways.
 *
 * <ul>
 *   <li>{@code datacontenttype} is the {@code content-type} message property;</li>
 *   <li>every other CloudEvents attribute is the application property (header)
 *       {@code cloudEvents:<name>}, a string;</li>
 *   <li>the partition key is the partitioning extension {@code cloudEvents:partitionkey} (and the
 *       routing key);</li>
 *   <li>the other headers travel under their own names, as strings;</li>
 *   <li>messages are persistent ({@code delivery-mode} 2).</li>
 * </ul>
 *
 * <p>On the way in, {@code cloudEvents_} is accepted as well as {@code cloudEvents:} (the prefix of
 * bindings that cannot use a colon), and a prefixed name that is not a core attribute (an
 * extension from another producer) becomes a header without the prefix.
 */
final class CloudEventsMapping {
    static final String PREFIX = "cloudEvents:";
    static final String ALTERNATE_PREFIX = "cloudEvents_";
    static final String PARTITION_KEY = "partitionkey";
    static final String DATA_CONTENT_TYPE = "datacontenttype";
    /**
     * The header that earlier builds put on every message to correlate returns (returns are now
     * correlated by the event id); still removed on the way in.
     */
    static final String PUBLISH_SEQUENCE = "twelvefold-publish-seq";
    /** The longest routing key AMQP 0-9-1 allows, in bytes. */
    private static final int MAX_ROUTING_KEY = 255;
    private static final int PERSISTENT = 2;

    static final Set<String> CORE_ATTRIBUTES = Set.of("id", "source", "type", "specversion", "time", "subject",
            DATA_CONTENT_TYPE);

    private CloudEventsMapping() {
    }

    /**
     * The headers of a message, without the sequence number (put in per send attempt).
     *
     * @param message the message, never null
     * @return a new mutable map, never null
     */
    static Map<String, Object> headers(OutgoingMessage message) {
        // values as Strings, not LongStrings: amqp-client writes a LongString through a stream copy with a
        // new 4 KB buffer per value, which cost more CPU per message than the rest of the send together
        Map<String, Object> headers = new HashMap<>(2 * (message.headers().size() + message.attributes().size() + 2));
        headers.putAll(message.headers());
        message.attributes().forEach((name, value) -> {
            if (!DATA_CONTENT_TYPE.equals(name)) {
                headers.put(PREFIX + name, value);
            }
        });
        if (message.key() != null) {
            headers.put(PREFIX + PARTITION_KEY, message.key());
        }
        return headers;
    }

    /**
     * The properties of one send attempt.
     *
     * @param message the message, never null
     * @param headers its {@link #headers(OutgoingMessage)}, never null
     * @return the properties, never null
     */
    static AMQP.BasicProperties properties(OutgoingMessage message, Map<String, Object> headers) {
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(PERSISTENT)
                .contentType(message.attributes().get(DATA_CONTENT_TYPE))
                .headers(headers)
                .build();
    }

    /**
     * The routing key of a message: its key, or a SHA-256 of it when longer than AMQP allows, or
     * empty without a key.
     *
     * @param key the partition key, may be null
     * @return the routing key, never null
     */
    static String routingKey(String key) {
        if (key == null) {
            return "";
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_ROUTING_KEY) {
            return key;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** What a delivered message carries, split the way {@link io.twelvefold.core.spi.IncomingMessage} wants it. */
    record Incoming(String key, Map<String, String> attributes, Map<String, String> headers) {
    }

    /**
     * Reads the key, attributes and headers of a delivered message.
     *
     * @param properties the message properties, never null
     * @return the parts, with immutable maps, never null
     */
    static Incoming read(AMQP.BasicProperties properties) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, String> headers = new LinkedHashMap<>();
        String key = null;
        Map<String, Object> raw = properties.getHeaders() == null ? Map.of() : properties.getHeaders();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            String name = e.getKey();
            String value = text(e.getValue());
            if (value == null || PUBLISH_SEQUENCE.equals(name)) {
                continue;
            }
            String ce = null;
            if (name.startsWith(PREFIX)) {
                ce = name.substring(PREFIX.length());
            } else if (name.startsWith(ALTERNATE_PREFIX)) {
                ce = name.substring(ALTERNATE_PREFIX.length());
            }
            if (ce == null) {
                headers.put(name, value);
            } else if (PARTITION_KEY.equals(ce)) {
                key = value;
            } else if (CORE_ATTRIBUTES.contains(ce) && !DATA_CONTENT_TYPE.equals(ce)) {
                attributes.put(ce, value);
            } else {
                headers.put(ce, value);
            }
        }
        if (properties.getContentType() != null) {
            attributes.put(DATA_CONTENT_TYPE, properties.getContentType());
        }
        return new Incoming(key, Collections.unmodifiableMap(attributes), Collections.unmodifiableMap(headers));
    }

    /** A header value as text, or null for a value that has no text form (a table, such as x-death). */
    private static String text(Object value) {
        if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
            return null;
        }
        if (value instanceof LongString s) {
            // by Charset, not by name: the client's toString() looks the charset up every time
            return new String(s.getBytes(), StandardCharsets.UTF_8);
        }
        if (value instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return value.toString();
    }
}
