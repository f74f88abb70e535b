package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The CloudEvents Kafka protocol binding, binary content mode, and plain records.
 *
 * <ul>
 *   <li>Out, a CloudEvent (its attributes hold {@code specversion}): attribute {@code x} travels in
 *       the header {@code ce_x} (UTF-8), {@code datacontenttype} in {@code content-type}; the
 *       headers {@code traceparent} and {@code tracestate} as the distributed-tracing extension
 *       ({@code ce_traceparent}, {@code ce_tracestate}); every other header as a plain record header.</li>
 *   <li>Out, a plain message (no {@code specversion}): {@code content-type} from
 *       {@code datacontenttype}, and the headers as plain record headers; no {@code ce_} header,
 *       and no {@code id} (Kafka has no message id of its own).</li>
 *   <li>In: a {@code ce_} header named after a context attribute ({@link #ATTRIBUTES}) is that
 *       attribute, {@code content-type} is {@code datacontenttype}; any other {@code ce_x} is the
 *       extension {@code x}, a header named {@code x} (it wins over a plain header of that name);
 *       everything else is a header.</li>
 * </ul>
 *
 * An application header named {@code ce_<attribute>} or {@code content-type} therefore comes back
 * as an attribute.
 */
final class CloudEventsBinding {
    static final String PREFIX = "ce_";
    static final String CONTENT_TYPE = "content-type";
    static final String DATA_CONTENT_TYPE = "datacontenttype";
    static final String SPEC_VERSION = "specversion";
    /** The CloudEvents 1.0 context attributes; any other {@code ce_} name is an extension. */
    static final Set<String> ATTRIBUTES = Set.of("id", "source", "type", SPEC_VERSION, "time", "subject",
            DATA_CONTENT_TYPE, "dataschema");
    /** The headers written as extensions in CloudEvents mode (W3C trace context). */
    private static final Set<String> EXTENSIONS = Set.of("traceparent", "tracestate");
    /** The attribute of each {@code ce_} header named after one: no substring per record for the usual headers. */
    private static final Map<String, String> ATTRIBUTE_OF_HEADER = attributeOfHeader();

    private CloudEventsBinding() {
    }

    private static Map<String, String> attributeOfHeader() {
        Map<String, String> m = new java.util.HashMap<>();
        for (String a : ATTRIBUTES) {
            m.put(PREFIX + a, a);
        }
        return Map.copyOf(m);
    }

    static Headers toHeaders(Map<String, String> attributes, Map<String, String> headers) {
        RecordHeaders out = new RecordHeaders();
        boolean cloudEvent = attributes.containsKey(SPEC_VERSION);
        attributes.forEach((name, value) -> {
            if (value == null) {
                return;
            }
            if (DATA_CONTENT_TYPE.equals(name)) {
                out.add(CONTENT_TYPE, value.getBytes(UTF_8));
            } else if (cloudEvent) {
                out.add(PREFIX + name, value.getBytes(UTF_8));
            }
        });
        headers.forEach((name, value) -> {
            if (value != null) {
                out.add(cloudEvent && EXTENSIONS.contains(name) ? PREFIX + name : name, value.getBytes(UTF_8));
            }
        });
        return out;
    }

    /**
     * Splits record headers into attributes and other headers; the last of repeated headers wins. On
     * the poll thread for every record: the usual {@code ce_} names map to their attribute without a
     * new string, and a record with no other header gets the empty map.
     */
    static Split fromHeaders(Headers headers) {
        Map<String, String> attributes = new LinkedHashMap<>(16);
        Map<String, String> other = null;
        Map<String, String> extensions = null;
        for (Header h : headers) {
            if (h.value() == null) {
                continue;
            }
            String key = h.key();
            String value = new String(h.value(), UTF_8);
            String attribute = ATTRIBUTE_OF_HEADER.get(key);
            if (attribute != null) {
                attributes.put(attribute, value);
            } else if (key.startsWith(PREFIX) && key.length() > PREFIX.length()) {
                if (extensions == null) {
                    extensions = new LinkedHashMap<>();
                }
                extensions.put(key.substring(PREFIX.length()), value);
            } else if (key.length() == CONTENT_TYPE.length() && CONTENT_TYPE.equalsIgnoreCase(key)) {
                attributes.put(DATA_CONTENT_TYPE, value);
            } else {
                if (other == null) {
                    other = new LinkedHashMap<>();
                }
                other.put(key, value);
            }
        }
        if (extensions != null) {
            if (other == null) {
                other = new LinkedHashMap<>();
            }
            other.putAll(extensions);
        }
        return new Split(Collections.unmodifiableMap(attributes),
                other == null ? Collections.emptyMap() : Collections.unmodifiableMap(other));
    }

    /** The CloudEvents attributes and the other headers of a record. */
    record Split(Map<String, String> attributes, Map<String, String> headers) {
    }
}
