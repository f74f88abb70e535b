package io.twelvefold.core.internal.dispatch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A CloudEvent in the JSON event format, as a structured-mode message carries it
 * ({@code application/cloudevents+json}): its context attributes, its extensions and its data.
 *
 * <p>{@code data} becomes the payload as JSON text when the data content type is JSON (or absent,
 * which the JSON format reads as {@code application/json}), as UTF-8 text when it is a JSON string
 * of another content type; {@code data_base64} is decoded. Extensions with a string, number or
 * boolean value become headers.
 *
 * @param attributes the context attributes by their CloudEvents names, immutable
 * @param extensions the extension attributes as strings, immutable
 * @param data the payload bytes
 */
record StructuredCloudEvent(Map<String, String> attributes, Map<String, String> extensions, byte[] data) {
    /** The media type of a structured-mode JSON CloudEvent (parameters such as a charset may follow). */
    static final String CONTENT_TYPE = "application/cloudevents+json";
    private static final Set<String> ATTRIBUTES = Set.of(Envelopes.ID, Envelopes.SOURCE, Envelopes.TYPE,
            Envelopes.SPEC_VERSION, Envelopes.TIME, Envelopes.SUBJECT, Envelopes.DATA_CONTENT_TYPE);

    /** Made on the first structured message only: most processes never see one. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /**
     * Parses a structured-mode message's body.
     *
     * @param body the message body, never null
     * @return the event's parts, never null
     * @throws PoisonException (reason {@code invalid}) when the body is not a JSON CloudEvent
     */
    static StructuredCloudEvent parse(byte[] body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw invalid("is not JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw invalid("is not a JSON object", null);
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        Map<String, String> extensions = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("data") || name.equals("data_base64") || value.isNull()) {
                continue;
            }
            if (!value.isValueNode()) {
                throw invalid("has a non-scalar attribute '" + name + "'", null);
            }
            if (ATTRIBUTES.contains(name)) {
                attributes.put(name, value.asText());
            } else {
                extensions.put(name, value.asText());
            }
        }
        attributes.putIfAbsent(Envelopes.DATA_CONTENT_TYPE, "application/json");
        return new StructuredCloudEvent(Collections.unmodifiableMap(attributes),
                Collections.unmodifiableMap(extensions), data(root, attributes.get(Envelopes.DATA_CONTENT_TYPE)));
    }

    private static byte[] data(JsonNode root, String contentType) {
        JsonNode base64 = root.get("data_base64");
        JsonNode data = root.get("data");
        if (base64 != null && !base64.isNull()) {
            if (data != null && !data.isNull()) {
                throw invalid("has both 'data' and 'data_base64'", null);
            }
            try {
                return Base64.getDecoder().decode(base64.asText());
            } catch (IllegalArgumentException e) {
                throw invalid("has a 'data_base64' that is not Base64: " + e.getMessage(), e);
            }
        }
        if (data == null || data.isNull()) {
            return new byte[0];
        }
        if (data.isTextual() && !json(contentType)) {
            return data.asText().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Json.MAPPER.writeValueAsBytes(data);
        } catch (JsonProcessingException e) {
            throw invalid("has 'data' that cannot be written back as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Whether a media type is JSON: {@code application/json}, {@code text/json} or {@code ...+json}. */
    private static boolean json(String contentType) {
        String ct = contentType.toLowerCase(Locale.ROOT);
        int semicolon = ct.indexOf(';');
        String type = (semicolon < 0 ? ct : ct.substring(0, semicolon)).strip();
        return type.equals("application/json") || type.equals("text/json") || type.endsWith("+json");
    }

    private static PoisonException invalid(String problem, Throwable cause) {
        return new PoisonException("invalid", "Structured CloudEvent (" + CONTENT_TYPE + ") " + problem, cause);
    }
}
