package io.twelvefold.bench;

import io.twelvefold.core.Codec;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;

/** What the benchmarks share: the batch size, the pre-built messages, the in-memory transport. */
final class Bench {
    /** Events handed off per benchmark invocation; JMH reports per event (@OperationsPerInvocation). */
    static final int BATCH = 10_000;
    /** How long one batch may take before the benchmark fails instead of hanging. */
    static final int BATCH_TIMEOUT_SECONDS = 60;

    private static final AtomicInteger TRIALS = new AtomicInteger();

    private Bench() {
    }

    /** A small payload, as the JSON variant decodes it. */
    public record Ping(String id, long sequence) {
    }

    /** @return a name unique in this JVM, valid as a broker and destination name */
    static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + TRIALS.incrementAndGet();
    }

    /**
     * One pre-built message per key, reused for every event so that the producer side costs next
     * to nothing and allocates nothing of its own.
     *
     * @param keys how many distinct partition keys
     * @param codec "bytes" (a 64-byte opaque payload) or "json" (a {@link Ping})
     */
    static OutgoingMessage[] messages(int keys, String codec) {
        OutgoingMessage[] messages = new OutgoingMessage[keys];
        for (int k = 0; k < keys; k++) {
            String key = "key-" + k;
            byte[] payload;
            String contentType;
            switch (codec) {
                case "bytes" -> {
                    payload = new byte[64];
                    payload[0] = (byte) k;
                    contentType = Codec.bytes().contentType();
                }
                case "json" -> {
                    payload = Codec.json().encode(new Ping(key, k));
                    contentType = Codec.json().contentType();
                }
                default -> throw new IllegalArgumentException("codec must be 'bytes' or 'json', was '" + codec + "'");
            }
            messages[k] = new OutgoingMessage(key, Map.of(
                    "id", "bench-" + k,
                    "source", "/bench",
                    "type", "io.twelvefold.bench.ping",
                    "specversion", "1.0",
                    "datacontenttype", contentType), Map.of(), payload);
        }
        return messages;
    }

    /**
     * Opens a second connection to the named in-memory broker, for a raw publisher that bypasses
     * the app's codec and envelope building. Found through ServiceLoader like the app finds it.
     */
    static Transport inMemory(String broker) {
        List<String> names = new ArrayList<>();
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
            if (p.name().equals("inmemory")) {
                Map<String, String> properties = Map.of("broker", broker);
                return p.create(() -> properties);
            }
            names.add(p.name());
        }
        throw new IllegalStateException("Transport 'inmemory' is not on the class path. Available: " + names);
    }
}
