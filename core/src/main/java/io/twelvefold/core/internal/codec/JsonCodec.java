package io.twelvefold.core.internal.codec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twelvefold.core.Codec;
import io.twelvefold.core.ProcessingException;
import java.io.IOException;
import java.util.Objects;

/** JSON with Jackson; {@code byte[]} passes through. */
public final class JsonCodec implements Codec {
    /** The shared default instance. */
    // No findAndRegisterModules(): scanning the class path costs start-up time on every launch;
    // pass Codec.json(mapper) with the modules you need instead.
    public static final JsonCodec DEFAULT = new JsonCodec(new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));

    private final ObjectMapper mapper;

    /** @param mapper the mapper to use, never null */
    public JsonCodec(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    @Override
    public String contentType() {
        return "application/json";
    }

    @Override
    public byte[] encode(Object payload) {
        if (payload instanceof byte[]) {
            return (byte[]) payload;
        }
        try {
            return mapper.writeValueAsBytes(payload);
        } catch (IOException e) {
            throw new ProcessingException("Payload of type '" + payload.getClass().getName()
                    + "' cannot be encoded as JSON: " + firstLine(e.getMessage()), e, false);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T decode(byte[] bytes, Class<T> type) {
        if (type == byte[].class) {
            return (T) bytes;
        }
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw new ProcessingException("Payload cannot be decoded as JSON into '" + type.getName()
                    + "': " + firstLine(e.getMessage()), e, false);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
