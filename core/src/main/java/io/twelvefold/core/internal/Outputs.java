package io.twelvefold.core.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.Event;
import io.twelvefold.core.TwelvefoldException;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Transport;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The publishers of the declared output channels. Thread-safe after construction; the
 * {@code messaging.client.sent.messages} counters may be registered later ({@link #bind}), counting
 * from the start.
 */
final class Outputs {
    private final Map<String, Output> outputs = new HashMap<>();
    private final Codec codec;
    private final String source;

    private record Output(String destination, Publisher publisher, LateCounter sent) {
    }

    /** Outputs whose counters are registered at once in {@code registry}. */
    Outputs(Transport transport, Map<String, String> destinationsByChannel, Codec codec, String source,
            MeterRegistry registry, String transportName) {
        this(transport, destinationsByChannel, codec, source);
        bind(registry, transportName);
    }

    /** Outputs whose counters are registered by {@link #bind}. */
    Outputs(Transport transport, Map<String, String> destinationsByChannel, Codec codec, String source) {
        this.codec = codec;
        this.source = source;
        for (Map.Entry<String, String> e : destinationsByChannel.entrySet()) {
            outputs.put(e.getKey(), new Output(e.getValue(), transport.publisher(e.getValue()), new LateCounter()));
        }
    }

    /**
     * Registers the counters and hands over what they counted so far. Call once.
     *
     * @param registry the registry
     * @param transportName the {@code transport} tag
     */
    void bind(MeterRegistry registry, String transportName) {
        for (Map.Entry<String, Output> e : outputs.entrySet()) {
            e.getValue().sent.bind(Counter.builder("messaging.client.sent.messages")
                    .description("Messages confirmed by the broker").tag("channel", e.getKey())
                    .tag("destination", e.getValue().destination).tag("transport", transportName)
                    .register(registry));
        }
    }

    <U> Event<U> newEvent(U payload, String key) {
        Objects.requireNonNull(payload, "payload");
        return Event.builder(payload).source(source).type(payload.getClass().getName()).key(key)
                .time(OffsetDateTime.now(ZoneOffset.UTC)).build();
    }

    /**
     * Sends an event.
     *
     * @param trace the hop it is emitted in, or null for a new trace (published from outside a processor)
     */
    CompletableFuture<Void> send(String channel, Event<?> event, Trace trace) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(event, "event");
        Output out = outputs.get(channel);
        if (out == null) {
            throw new TwelvefoldException("Channel '" + channel + "' is not declared as an output; declare it with "
                    + "App.builder().output(\"" + channel + "\"). Declared outputs: " + new java.util.TreeSet<>(outputs.keySet()));
        }
        CompletableFuture<Void> f = out.publisher.send(Envelopes.toMessage(event, codec, trace));
        if (f.isDone() && !f.isCompletedExceptionally()) {
            out.sent.increment();
            return f;
        }
        return f.thenRun(out.sent::increment);
    }

    void close() {
        for (Output o : outputs.values()) {
            o.publisher.close();
        }
    }
}
