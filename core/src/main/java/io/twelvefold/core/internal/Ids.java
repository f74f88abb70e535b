package io.twelvefold.core.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Event ids: random (version 4) UUIDs from a thread-local generator. {@link UUID#randomUUID()}
 * draws from a shared {@code SecureRandom}, which costs more than the rest of an in-memory hop;
 * event ids need uniqueness, not unpredictability.
 */
public final class Ids {
    private Ids() {
    }

    /** @return a new random UUID string, never null */
    public static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
