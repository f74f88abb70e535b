package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The CloudEvents Kafka protocol binding, binary content mode: attribute {@code x} travels in the
 * header {@code ce_x} (UTF-8), {@code datacontenttype} in {@code content-type}; every other header
 * is a plain record header. On the way in, a {@code ce_} header is an attribute and
 * {@code content-type} is {@code datacontenttype}; everything else is a header. An application
 * header named {@code ce_...} or {@code content-type} therefore comes back as an attribute.
 */
final class CloudEventsBinding {
    static final String PREFIX = "ce_";
    static final String CONTENT_TYPE = "content-type";
    static final String DATA_CONTENT_TYPE = "datacontenttype";

    private CloudEventsBinding() {
    }

    static Headers toHeaders(Map<String, String> attributes, Map<String, String> headers) {
        RecordHeaders out = new RecordHeaders();
        attributes.forEach((name, value) -> {
            if (value != null) {
                out.add(DATA_CONTENT_TYPE.equals(name) ? CONTENT_TYPE : PREFIX + name, value.getBytes(UTF_8));
            }
        });
        headers.forEach((name, value) -> {
            if (value != null) {
                out.add(name, value.getBytes(UTF_8));
            }
        });
        return out;
    }

    /** Splits record headers into attributes and other headers; the last of repeated headers wins. */
    static Split fromHeaders(Headers headers) {
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, String> other = new LinkedHashMap<>();
        for (Header h : headers) {
            if (h.value() == null) {
                continue;
            }
            String key = h.key();
            String value = new String(h.value(), UTF_8);
            if (key.startsWith(PREFIX) && key.length() > PREFIX.length()) {
                attributes.put(key.substring(PREFIX.length()), value);
            } else if (key.length() == CONTENT_TYPE.length() && CONTENT_TYPE.equalsIgnoreCase(key)) {
                attributes.put(DATA_CONTENT_TYPE, value);
            } else {
                other.put(key, value);
            }
        }
        return new Split(Collections.unmodifiableMap(attributes), Collections.unmodifiableMap(other));
    }

    /** The CloudEvents attributes and the other headers of a record. */
    record Split(Map<String, String> attributes, Map<String, String> headers) {
    }
}
