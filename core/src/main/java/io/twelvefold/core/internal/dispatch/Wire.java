package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.Codec;
import io.twelvefold.core.Event;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.internal.Ids;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the events of one channel travel on its destination, both ways: the channel's format
 * ({@code cloudevents} or {@code plain}) and its {@code type} and {@code source} defaults.
 *
 * <ul>
 *   <li>Out, {@code cloudevents}: every CloudEvents attribute, in the transport's binary content
 *       mode; {@code plain}: the payload, its content type and the headers, nothing else (the
 *       event id goes along for a protocol's own message id).</li>
 *   <li>In, {@code cloudevents}: binary content mode, or structured mode
 *       ({@code application/cloudevents+json}); a message without {@code id}, {@code source} or
 *       {@code type} is invalid. In {@code plain}: what the message carries of those is kept, the
 *       rest is derived: the id from the broker ({@link IncomingMessage#messageId()}, else a new one),
 *       the source from the channel's {@code source} or the destination, the type from the
 *       channel's {@code type} or the payload class, the time from the broker's timestamp.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
final class Wire {
    private static final Logger LOG = LoggerFactory.getLogger(Wire.class);

    private final ChannelSettings settings;
    private final Codec codec;
    /** The type of events emitted without one, when the channel sets none: null to derive it from the payload. */
    private final String type;
    private final String source;
    /** {@link #typeOf} per payload class, worked out once. */
    private final ClassValue<String> types = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> payloadType) {
            return typeOf(payloadType);
        }
    };
    /** A plain message without a broker id got a new id: said once per channel. */
    private volatile boolean toldNoMessageId;

    /**
     * @param settings the channel's settings
     * @param codec the channel's codec
     * @param appName {@code twelvefold.name}: the default source of emitted events is {@code /<appName>}
     */
    Wire(ChannelSettings settings, Codec codec, String appName) {
        this.settings = settings;
        this.codec = codec;
        this.type = settings.type();
        this.source = settings.source() != null ? settings.source() : "/" + appName;
    }

    ChannelSettings settings() {
        return settings;
    }

    /**
     * A new event for a payload emitted or published on this channel without an envelope of its own.
     *
     * @param payload the payload, never null
     * @param key the key, may be null
     * @return the event, with a new id, this channel's source and type, and the current time
     */
    <U> Event<U> newEvent(U payload, String key) {
        return Event.builder(payload).source(source).type(type != null ? type : types.get(payload.getClass()))
                .key(key).time(nowUtc()).build();
    }

    /**
     * @return the current time in UTC; unlike {@code OffsetDateTime.now(ZoneOffset.UTC)}, without a
     *     new {@code ZoneRules} (and its cache map) per call, which JDK 17 builds in
     *     {@code ZoneOffset.getRules()}
     */
    static OffsetDateTime nowUtc() {
        Instant now = Instant.now();
        return OffsetDateTime.of(LocalDateTime.ofEpochSecond(now.getEpochSecond(), now.getNano(), ZoneOffset.UTC),
                ZoneOffset.UTC);
    }

    /**
     * The default CloudEvents type of a payload class: its package and its simple name in lower
     * case with dashes between words ({@code com.example.orders.OrderPlaced} is
     * {@code com.example.orders.order-placed}, a nested {@code Quickstart.Greeting} is
     * {@code <package>.greeting}); for a JDK type, an array or a class in no package, the channel
     * name.
     */
    String typeOf(Class<?> payloadType) {
        String pkg = payloadType.getPackageName();
        if (payloadType.isArray() || payloadType.isPrimitive() || pkg.isEmpty() || pkg.startsWith("java.")) {
            return settings.channel();
        }
        return pkg + "." + kebab(payloadType.getSimpleName());
    }

    private static String kebab(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c)) {
                boolean wordStart = i > 0 && (Character.isLowerCase(name.charAt(i - 1))
                        || (i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1))
                                && Character.isUpperCase(name.charAt(i - 1))));
                if (wordStart) {
                    sb.append('-');
                }
                sb.append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ out

    /**
     * The message for an event emitted on this channel.
     *
     * @param trace the hop it is emitted in, or null for a new trace (published from outside a processor)
     */
    OutgoingMessage toMessage(Event<?> event, Trace trace) {
        OutgoingMessage m = Envelopes.toMessage(event, codec, trace);
        if (settings.format() == ChannelSettings.Format.CLOUDEVENTS) {
            return m;
        }
        String contentType = m.attributes().get(Envelopes.DATA_CONTENT_TYPE);
        return new OutgoingMessage(m.key(),
                Map.of(Envelopes.ID, event.id(), Envelopes.DATA_CONTENT_TYPE, contentType), m.headers(), m.payload());
    }

    // ------------------------------------------------------------------ in

    /**
     * Checks what can be checked once per delivery, before the first attempt: the payload's size
     * and, on a {@code cloudevents} channel, the required attributes of a binary-mode message.
     *
     * @throws PoisonException naming what is wrong
     */
    void validate(IncomingMessage m) {
        if (m.payload().length > settings.maxPayloadSize()) {
            throw new PoisonException("oversize", "Payload of " + m.payload().length
                    + " bytes is larger than max-payload-size " + settings.maxPayloadSize(), null);
        }
        Map<String, String> attributes = m.attributes();
        if (settings.format() == ChannelSettings.Format.PLAIN || structured(attributes)) {
            return; // derived, or parsed, in toEvent
        }
        Envelopes.validateAttributes(attributes);
    }

    /**
     * The event of a delivered message, its payload decoded.
     *
     * @param retried whether the message is a broker's copy for a delayed retry, whose retry headers
     *     the event leaves out
     * @throws PoisonException when the envelope is invalid or the payload cannot be decoded
     */
    <T> Event<T> toEvent(IncomingMessage m, Class<T> payloadType, boolean retried) {
        Map<String, String> attributes = m.attributes();
        Map<String, String> headers = retried ? Envelopes.withoutRetryHeaders(m.headers()) : m.headers();
        byte[] payload = m.payload();
        String key = m.key();
        if (structured(attributes)) {
            StructuredCloudEvent ce = StructuredCloudEvent.parse(payload);
            attributes = ce.attributes();
            if (!ce.extensions().isEmpty()) {
                Map<String, String> merged = new LinkedHashMap<>(headers);
                ce.extensions().forEach(merged::putIfAbsent);
                headers = merged;
            }
            payload = ce.data();
            if (key == null) {
                key = ce.extensions().get("partitionkey");
            }
            if (settings.format() == ChannelSettings.Format.CLOUDEVENTS) {
                Envelopes.validateAttributes(attributes);
            }
        }
        if (settings.format() == ChannelSettings.Format.PLAIN) {
            attributes = derived(m, attributes, payloadType);
        }
        return Envelopes.toEvent(attributes, headers, key, payload, codec, payloadType);
    }

    /** Whether the message is a CloudEvent in structured content mode. */
    private static boolean structured(Map<String, String> attributes) {
        if (attributes.containsKey(Envelopes.ID)) {
            return false; // binary mode
        }
        String ct = attributes.get(Envelopes.DATA_CONTENT_TYPE);
        return ct != null && ct.strip().toLowerCase(Locale.ROOT).startsWith(StructuredCloudEvent.CONTENT_TYPE);
    }

    /** A plain message's attributes: those it carries, the others derived. */
    private Map<String, String> derived(IncomingMessage m, Map<String, String> carried, Class<?> payloadType) {
        Map<String, String> a = new LinkedHashMap<>(carried);
        if (isBlank(a.get(Envelopes.ID))) {
            String id = m.messageId();
            if (id == null) {
                id = Ids.newId();
                if (!toldNoMessageId) {
                    toldNoMessageId = true;
                    LOG.warn("Channel '{}': plain messages from '{}' carry no message id, so each delivery gets a new "
                            + "event id and a redelivered message is not recognised as the same event; set the message "
                            + "id on the producer (the AMQP message-id property) where idempotency matters",
                            settings.channel(), m.destination());
                }
            }
            a.put(Envelopes.ID, id);
        }
        if (isBlank(a.get(Envelopes.SOURCE))) {
            a.put(Envelopes.SOURCE, settings.source() != null ? settings.source() : m.destination());
        }
        if (isBlank(a.get(Envelopes.TYPE))) {
            a.put(Envelopes.TYPE, type != null ? type : types.get(payloadType));
        }
        if (isBlank(a.get(Envelopes.TIME)) && m.timestamp() != null) {
            a.put(Envelopes.TIME, m.timestamp().atOffset(ZoneOffset.UTC).toString());
        }
        return a;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isEmpty();
    }
}
