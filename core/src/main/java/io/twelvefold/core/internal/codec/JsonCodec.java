package io.twelvefold.core.internal.codec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.twelvefold.core.Codec;
import io.twelvefold.core.ProcessingException;
import java.io.IOException;
import java.util.Objects;

/** JSON with Jackson; {@code byte[]} passes through. */
public final class JsonCodec implements Codec {
    /**
     * The shared default instance. Its object mapper is made on first use, not when the class
     * loads: Jackson's first {@code ObjectMapper} costs about 200 ms, which must not delay
     * readiness ({@code StartupTuning} calls {@link #warmUp(Class[])} on a thread of its own).
     */
    public static final JsonCodec DEFAULT = new JsonCodec();

    private final ObjectMapper mapper; // null: the default mapper, from DefaultMapper
    /** A reader per payload type: it holds its root deserializer, which readValue looks up per call. */
    private final ClassValue<ObjectReader> readers = new ClassValue<>() {
        @Override
        protected ObjectReader computeValue(Class<?> type) {
            return mapper().readerFor(type);
        }
    };

    /** @param mapper the mapper to use, never null */
    public JsonCodec(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    private JsonCodec() {
        this.mapper = null;
    }

    /** The default mapper, built when this class initialises (the JVM makes that thread-safe). */
    private static final class DefaultMapper {
        // No findAndRegisterModules(): scanning the class path costs start-up time on every launch;
        // pass Codec.json(mapper) with the modules you need instead.
        static final ObjectMapper INSTANCE = new ObjectMapper()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private ObjectMapper mapper() {
        ObjectMapper m = mapper;
        return m != null ? m : DefaultMapper.INSTANCE;
    }

    /**
     * Builds this codec's mapper, its JSON parser and generator, and its deserializers and
     * serializers for the given payload types, so that the first event does not pay for them
     * (Jackson's first mapper costs about 200 ms of CPU, a record's deserializer and serializer tens
     * more). Nothing else: on a cold JVM every class loaded here is CPU taken from the start-up.
     * Meant for a background thread while the configuration loads and the transport connects;
     * never throws: a type Jackson cannot handle fails on its first event.
     *
     * @param types the payload types the app's processors decode, never null
     */
    public void warmUp(Class<?>[] types) {
        try {
            decode(encode("warm-up"), String.class);
            ObjectMapper m = mapper();
            for (Class<?> type : types) {
                if (type != byte[].class) {
                    // an ObjectReader fetches its root deserializer eagerly, an ObjectWriter its
                    // serializer: processors often emit the type they read, or one like it
                    readers.get(type);
                    m.writerFor(type);
                }
            }
        } catch (RuntimeException e) {
            // reported where it matters: on the first event of that type
        }
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
            return mapper().writeValueAsBytes(payload);
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
            return readers.get(type).readValue(bytes);
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
