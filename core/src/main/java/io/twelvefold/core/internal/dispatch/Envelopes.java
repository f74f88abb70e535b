package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.Codec;
import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.spi.OutgoingMessage;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Maps events to transport messages and back (CloudEvents binary mode, transport-neutral). */
final class Envelopes {
    static final String ID = "id";
    static final String SOURCE = "source";
    static final String TYPE = "type";
    static final String SPEC_VERSION = "specversion";
    static final String TIME = "time";
    static final String SUBJECT = "subject";
    static final String DATA_CONTENT_TYPE = "datacontenttype";
    private static final String[] REQUIRED = {ID, SOURCE, TYPE};
    /**
     * On a copy the broker stores for a delayed retry: the attempts made before it, a decimal count.
     * Read by the dispatcher that receives the copy; never shown to the processor, never kept in a dead letter.
     */
    static final String RETRY_ATTEMPTS = "twelvefold-retry-attempts";
    /** On such a copy: the instant of the first failure, ISO-8601. */
    static final String RETRY_FIRST_FAILURE = "twelvefold-retry-first-failure";

    private Envelopes() {
    }

    static OutgoingMessage toMessage(Event<?> event, Codec codec, Trace trace) {
        Object data = event.data();
        if (data == null) {
            throw new ProcessingException("Event '" + event.id() + "' has no payload; emit a non-null payload", null,
                    false);
        }
        // immutable maps built once: OutgoingMessage keeps them as they are instead of copying them again
        String time = event.time().isPresent() ? event.time().get().toString() : null;
        String subject = event.subject().orElse(null);
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] a = new Map.Entry[5 + (time != null ? 1 : 0) + (subject != null ? 1 : 0)];
        int n = 0;
        a[n++] = Map.entry(ID, event.id());
        a[n++] = Map.entry(SOURCE, event.source());
        a[n++] = Map.entry(TYPE, event.type());
        a[n++] = Map.entry(SPEC_VERSION, Event.SPEC_VERSION);
        a[n++] = Map.entry(DATA_CONTENT_TYPE, event.dataContentType().orElse(codec.contentType()));
        if (time != null) {
            a[n++] = Map.entry(TIME, time);
        }
        if (subject != null) {
            a[n] = Map.entry(SUBJECT, subject);
        }
        Map<String, String> headers = event.headers();
        if (!headers.containsKey(Trace.TRACEPARENT)) {
            Trace t = trace != null ? trace : Trace.hop(headers);
            boolean state = t.traceState() != null && !headers.containsKey(Trace.TRACESTATE);
            @SuppressWarnings("unchecked")
            Map.Entry<String, String>[] h = new Map.Entry[headers.size() + (state ? 2 : 1)];
            int i = 0;
            for (Map.Entry<String, String> e : headers.entrySet()) {
                h[i++] = e;
            }
            h[i++] = Map.entry(Trace.TRACEPARENT, t.traceParent());
            if (state) {
                h[i] = Map.entry(Trace.TRACESTATE, t.traceState());
            }
            headers = Map.ofEntries(h);
        }
        return new OutgoingMessage(event.key().orElse(null), Map.ofEntries(a), headers, codec.encode(data));
    }

    /**
     * Checks the attributes of a CloudEvent: {@code id}, {@code source} and {@code type} present, a
     * {@code specversion} of 1.x.
     *
     * @throws PoisonException naming what is wrong
     */
    static void validateAttributes(Map<String, String> a) {
        for (String required : REQUIRED) {
            String v = a.get(required);
            if (v == null || v.isEmpty()) {
                throw new PoisonException("invalid", "CloudEvents attribute '" + required + "' is missing", null);
            }
        }
        String spec = a.get(SPEC_VERSION);
        if (spec != null && !spec.startsWith("1.")) {
            throw new PoisonException("invalid", "CloudEvents specversion '" + spec + "' is not supported; expected '1.0'",
                    null);
        }
    }

    /**
     * The event of a delivered message's parts, its payload decoded.
     *
     * @param a the CloudEvents attributes, with id, source and type present
     * @throws PoisonException when the time is not a timestamp or the payload cannot be decoded
     */
    static <T> Event<T> toEvent(Map<String, String> a, Map<String, String> headers, String key, byte[] payload,
            Codec codec, Class<T> type) {
        OffsetDateTime time = null;
        String t = a.get(TIME);
        if (t != null) {
            try {
                time = OffsetDateTime.parse(t);
            } catch (DateTimeParseException e) {
                throw new PoisonException("invalid", "CloudEvents attribute 'time' is not an RFC 3339 timestamp, was '"
                        + t + "'", e);
            }
        }
        T data;
        try {
            data = codec.decode(payload, type);
        } catch (ProcessingException e) {
            // Report the codec's own failure (a Jackson parse error, say) as the dead letter's exception class.
            throw new PoisonException("undecodable", e.getMessage(), e.getCause() != null ? e.getCause() : e);
        } catch (RuntimeException e) {
            throw new PoisonException("undecodable", "Payload cannot be decoded into '" + type.getName() + "': " + e, e);
        }
        return Event.builder(data)
                .id(a.get(ID))
                .source(a.get(SOURCE))
                .type(a.get(TYPE))
                .time(time)
                .subject(a.get(SUBJECT))
                .dataContentType(a.get(DATA_CONTENT_TYPE))
                .key(key)
                .headers(headers)
                .build();
    }

    /** @return a copy of the headers without {@link #RETRY_ATTEMPTS} and {@link #RETRY_FIRST_FAILURE} */
    static Map<String, String> withoutRetryHeaders(Map<String, String> headers) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.remove(RETRY_ATTEMPTS);
        copy.remove(RETRY_FIRST_FAILURE);
        return copy;
    }
}
