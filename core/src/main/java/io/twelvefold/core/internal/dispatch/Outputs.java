package io.twelvefold.core.internal.dispatch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.Event;
import io.twelvefold.core.TwelvefoldException;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Transport;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The publishers of the declared output channels. Thread-safe after construction; the
 * {@code messaging.client.sent.messages} counters may be registered later ({@link #bind}), counting
 * from the start.
 */
public final class Outputs {
    private final Map<String, Output> outputs = new HashMap<>();

    private record Output(String destination, Wire wire, Publisher publisher, LateCounter sent) {
    }

    /** Outputs whose counters are registered at once in {@code registry}. */
    Outputs(Transport transport, Collection<ChannelSettings> channels, Codec codec, String appName,
            MeterRegistry registry, String transportName) {
        this(transport, channels, codec, appName);
        bind(registry, transportName);
    }

    /**
     * Outputs whose counters are registered by {@link #bind}.
     *
     * @param channels the output channels' settings
     * @param appName {@code twelvefold.name}, the default source
     */
    public Outputs(Transport transport, Collection<ChannelSettings> channels, Codec codec, String appName) {
        for (ChannelSettings s : channels) {
            Publisher publisher = transport.publisher(new PublisherRequest(s.channel(), s.destination(), s.options()));
            outputs.put(s.channel(), new Output(s.destination(), new Wire(s, codec, appName), publisher,
                    new LateCounter()));
        }
    }

    /**
     * Registers the counters and hands over what they counted so far. Call once.
     *
     * @param registry the registry
     * @param transportName the {@code transport} tag
     */
    public void bind(MeterRegistry registry, String transportName) {
        for (Map.Entry<String, Output> e : outputs.entrySet()) {
            e.getValue().sent.bind(Counter.builder("messaging.client.sent.messages")
                    .description("Messages confirmed by the broker").tag("channel", e.getKey())
                    .tag("destination", e.getValue().destination).tag("transport", transportName)
                    .register(registry));
        }
    }

    /**
     * A new event for a payload sent on a channel without an envelope: a new id, the channel's
     * source and type, the current time.
     *
     * @throws TwelvefoldException when the channel is not declared as an output
     */
    public <U> Event<U> newEvent(String channel, U payload, String key) {
        Objects.requireNonNull(payload, "payload");
        return output(channel).wire.newEvent(payload, key);
    }

    private Output output(String channel) {
        Objects.requireNonNull(channel, "channel");
        Output out = outputs.get(channel);
        if (out == null) {
            throw new TwelvefoldException("Channel '" + channel + "' is not declared as an output; declare it with "
                    + "App.builder().output(\"" + channel + "\"). Declared outputs: " + new java.util.TreeSet<>(outputs.keySet()));
        }
        return out;
    }

    /**
     * Sends an event.
     *
     * @param trace the hop it is emitted in, or null for a new trace (published from outside a processor)
     */
    public CompletableFuture<Void> send(String channel, Event<?> event, Trace trace) {
        Objects.requireNonNull(event, "event");
        Output out = output(channel);
        CompletableFuture<Void> f = out.publisher.send(out.wire.toMessage(event, trace));
        if (f.isDone() && !f.isCompletedExceptionally()) {
            out.sent.increment();
            return f;
        }
        return f.thenRun(out.sent::increment);
    }

    public void close() {
        for (Output o : outputs.values()) {
            o.publisher.close();
        }
    }
}
