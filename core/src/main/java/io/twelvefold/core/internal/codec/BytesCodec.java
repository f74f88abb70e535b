package io.twelvefold.core.internal.codec;

import io.twelvefold.core.Codec;
import io.twelvefold.core.ProcessingException;

/** Pass-through for {@code byte[]} payloads. */
public final class BytesCodec implements Codec {
    /** The shared instance. */
    public static final BytesCodec INSTANCE = new BytesCodec();

    private BytesCodec() {
    }

    @Override
    public String contentType() {
        return "application/octet-stream";
    }

    @Override
    public byte[] encode(Object payload) {
        if (payload instanceof byte[]) {
            return (byte[]) payload;
        }
        throw new ProcessingException("Payload of type '" + payload.getClass().getName()
                + "' cannot be encoded by the bytes codec; pass a byte[] or use Codec.json()", null, false);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T decode(byte[] bytes, Class<T> type) {
        if (type != byte[].class) {
            throw new ProcessingException("The bytes codec decodes only byte[], not '" + type.getName()
                    + "'; use Codec.json() or a codec of your own", null, false);
        }
        return (T) bytes;
    }
}
