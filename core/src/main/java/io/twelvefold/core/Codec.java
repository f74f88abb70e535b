package io.twelvefold.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.twelvefold.core.internal.codec.BytesCodec;
import io.twelvefold.core.internal.codec.JsonCodec;

/**
 * Turns payloads into bytes and back.
 *
 * <p>Implementations must be thread-safe. {@link #decode} throws a non-retryable
 * {@link ProcessingException} for bytes it cannot decode, so the event is dead-lettered at once.
 */
public interface Codec {

    /** @return the content type written to {@code datacontenttype}, never null */
    String contentType();

    /**
     * Encodes a payload.
     *
     * @param payload the payload, never null
     * @return the bytes, never null
     * @throws ProcessingException when the payload cannot be encoded
     */
    byte[] encode(Object payload);

    /**
     * Decodes bytes into a payload of the given type.
     *
     * @param bytes the bytes, never null
     * @param type the payload class, never null
     * @param <T> the payload type
     * @return the payload, may be null if the bytes encode a null
     * @throws ProcessingException (non-retryable) when the bytes cannot be decoded
     */
    <T> T decode(byte[] bytes, Class<T> type);

    /**
     * The default codec: JSON with Jackson ({@code application/json}); {@code byte[]} payloads
     * pass through unchanged and {@code String} payloads are JSON strings. Unknown properties are
     * ignored. No Jackson modules are registered (class-path scanning slows every start); for
     * {@code java.time} types or other modules use {@link #json(ObjectMapper)}.
     *
     * @return a shared codec, never null
     */
    static Codec json() {
        return JsonCodec.DEFAULT;
    }

    /**
     * A JSON codec with the caller's object mapper (modules, naming strategy). The mapper must
     * not be reconfigured afterwards.
     *
     * @param mapper the mapper, never null
     * @return a new codec, never null
     */
    static Codec json(ObjectMapper mapper) {
        return new JsonCodec(mapper);
    }

    /**
     * The pass-through codec for {@code byte[]} payloads ({@code application/octet-stream}).
     *
     * @return a shared codec, never null
     */
    static Codec bytes() {
        return BytesCodec.INSTANCE;
    }
}
