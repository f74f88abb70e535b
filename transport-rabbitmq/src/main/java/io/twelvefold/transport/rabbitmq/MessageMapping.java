package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.LongString;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.spi.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Messages on AMQP 0-9-1, both ways: CloudEvents in the binary content mode of the CloudEvents AMQP
 * binding, and plain messages.
 *
 * <p>Out, every message is persistent ({@code delivery-mode} 2), with its {@code datacontenttype} as
 * {@code content-type}, its {@code id} as {@code message-id} and its headers as strings. A
 * CloudEvent (its attributes hold {@code specversion}) also carries every other attribute as the
 * header {@code cloudEvents:<name>}, its key as {@code cloudEvents:partitionkey} (the partitioning
 * extension) and {@code traceparent}/{@code tracestate} as {@code cloudEvents:traceparent} and
 * {@code cloudEvents:tracestate} (the distributed-tracing extension); a plain message carries none
 * of them. Dead letters (they carry {@link DeadLetterHeaders#REASON}) and the copies of delayed
 * retries keep their key in {@code cloudEvents:partitionkey} whatever their format, and a dead
 * letter goes out with the routing key its original was published with ({@value #ROUTING_KEY}).
 *
 * <p>In, {@code cloudEvents:} and {@code cloudEvents_} (the prefix of bindings that cannot use a
 * colon) are read alike; a prefixed name that is not a core attribute (an extension, the tracing
 * headers) becomes a header without the prefix. The routing key of a message published to a named
 * exchange is the header {@value #ROUTING_KEY}.
 *
 * <p>Stateless.
 */
final class MessageMapping {
    static final String PREFIX = "cloudEvents:";
    static final String ALTERNATE_PREFIX = "cloudEvents_";
    static final String PARTITION_KEY = "partitionkey";
    static final String DATA_CONTENT_TYPE = "datacontenttype";
    static final String ID = "id";
    static final String SPEC_VERSION = "specversion";
    /**
     * The routing key a delivered message was published with, when it was published to a named
     * exchange (through the default exchange, the routing key is only the queue's name). Never
     * written on a published message but a delayed retry's copy (which goes through the default
     * exchange); a dead letter is published with it as its routing key.
     */
    static final String ROUTING_KEY = "twelvefold-routing-key";
    /**
     * The header that earlier builds put on every message to correlate returns (returns are now
     * correlated by the message id); still removed on the way in.
     */
    static final String PUBLISH_SEQUENCE = "twelvefold-publish-seq";
    /** The longest routing key AMQP 0-9-1 allows, in bytes. */
    private static final int MAX_ROUTING_KEY = 255;
    private static final int PERSISTENT = 2;

    static final Set<String> CORE_ATTRIBUTES = Set.of(ID, "source", "type", SPEC_VERSION, "time", "subject",
            DATA_CONTENT_TYPE);
    /** The headers of the CloudEvents distributed-tracing extension. */
    static final Set<String> TRACING = Set.of("traceparent", "tracestate");

    private MessageMapping() {
    }

    /** @return whether the message is a CloudEvent (else it is plain) */
    static boolean cloudEvent(OutgoingMessage message) {
        return message.attributes().containsKey(SPEC_VERSION);
    }

    /** @return whether the message is one of the runtime's dead letters */
    static boolean deadLetter(OutgoingMessage message) {
        return message.headers().containsKey(DeadLetterHeaders.REASON);
    }

    /**
     * The headers of a message.
     *
     * @param message the message, never null
     * @param copy whether it is the copy of a delivery for a delayed retry
     * @return a new mutable map, never null
     */
    static Map<String, Object> headers(OutgoingMessage message, boolean copy) {
        // values as Strings, not LongStrings: amqp-client writes a LongString through a stream copy with a
        // new 4 KB buffer per value, which cost more CPU per message than the rest of the send together
        boolean cloudEvent = cloudEvent(message);
        Map<String, Object> headers = new HashMap<>(2 * (message.headers().size() + message.attributes().size() + 2));
        for (Map.Entry<String, String> h : message.headers().entrySet()) {
            String name = h.getKey();
            if (name.equals(ROUTING_KEY) && !copy) {
                continue;
            }
            headers.put(cloudEvent && TRACING.contains(name) ? PREFIX + name : name, h.getValue());
        }
        if (cloudEvent) {
            message.attributes().forEach((name, value) -> {
                if (!DATA_CONTENT_TYPE.equals(name)) {
                    headers.put(PREFIX + name, value);
                }
            });
        }
        if (message.key() != null && (cloudEvent || copy || deadLetter(message))) {
            headers.put(PREFIX + PARTITION_KEY, message.key());
        }
        return headers;
    }

    /**
     * The properties of one send attempt.
     *
     * @param message the message, never null
     * @param headers its {@link #headers}, never null
     * @param expiration the {@code expiration} property (milliseconds), or null for none
     * @return the properties, never null
     */
    static AMQP.BasicProperties properties(OutgoingMessage message, Map<String, Object> headers, String expiration) {
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(PERSISTENT)
                .contentType(message.attributes().get(DATA_CONTENT_TYPE))
                .messageId(message.attributes().get(ID))
                .expiration(expiration)
                .headers(headers)
                .build();
    }

    /**
     * The routing key of a message: for a dead letter, the routing key its original was published
     * with; else the channel's fixed one; else its key (a SHA-256 of it when longer than AMQP
     * allows), or empty without a key.
     *
     * @param message the message, never null
     * @param fixed the channel's {@code routing-key}, or null
     * @return the routing key, never null
     */
    static String routingKey(OutgoingMessage message, String fixed) {
        if (deadLetter(message)) {
            String original = message.headers().get(ROUTING_KEY);
            if (original != null) {
                return original;
            }
        }
        if (fixed != null) {
            return fixed;
        }
        String key = message.key();
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

    /**
     * What a delivered message carries, split the way {@link io.twelvefold.core.spi.IncomingMessage} wants it.
     *
     * @param key the key, or null
     * @param attributes the CloudEvents attributes, immutable
     * @param headers the other headers, immutable
     * @param messageId the {@code message-id} property, or null
     * @param timestamp the {@code timestamp} property, or null
     */
    record Incoming(String key, Map<String, String> attributes, Map<String, String> headers, String messageId,
            Instant timestamp) {
    }

    /**
     * Reads the key, attributes and headers of a delivered message.
     *
     * @param envelope where it was published to, never null
     * @param properties the message properties, never null
     * @param keySource where the key comes from when the message has no {@code cloudEvents:partitionkey}
     * @return the parts, never null
     */
    static Incoming read(Envelope envelope, AMQP.BasicProperties properties, ChannelOptions.KeySource keySource) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, String> headers = new LinkedHashMap<>();
        String key = split(properties.getHeaders(), attributes, headers);
        if (properties.getContentType() != null) {
            attributes.put(DATA_CONTENT_TYPE, properties.getContentType());
        }
        String routingKey = envelope.getRoutingKey();
        if (!envelope.getExchange().isEmpty()) {
            // what the message says of an earlier routing key is history: this is the one it came with
            if (routingKey == null || routingKey.isEmpty()) {
                headers.remove(ROUTING_KEY);
            } else {
                headers.put(ROUTING_KEY, routingKey);
                if (key == null && keySource == ChannelOptions.KeySource.ROUTING_KEY) {
                    key = routingKey;
                }
            }
        }
        Instant timestamp = properties.getTimestamp() == null ? null : properties.getTimestamp().toInstant();
        return new Incoming(key, Collections.unmodifiableMap(attributes), Collections.unmodifiableMap(headers),
                properties.getMessageId(), timestamp);
    }

    /**
     * Splits a message's headers into CloudEvents attributes and other headers.
     *
     * @return the {@code cloudEvents:partitionkey}, or null
     */
    private static String split(Map<String, Object> raw, Map<String, String> attributes, Map<String, String> headers) {
        String key = null;
        if (raw == null) {
            return null;
        }
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
        return key;
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
