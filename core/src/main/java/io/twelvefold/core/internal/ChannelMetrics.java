package io.twelvefold.core.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The meters of one subscribed channel (design.md section 6). */
final class ChannelMetrics {
    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter consumed;
    private final Timer success;
    private final Timer failure;
    private final Counter retries;
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();

    ChannelMetrics(MeterRegistry registry, String transport, ChannelSettings s, Supplier<Number> inFlight) {
        this.registry = registry;
        this.tags = Tags.of("channel", s.channel(), "destination", s.destination(), "transport", transport);
        this.consumed = Counter.builder("messaging.client.consumed.messages")
                .description("Messages delivered by the broker").tags(tags).register(registry);
        this.success = Timer.builder("messaging.process.duration").description("Processing time of one attempt")
                .tags(tags).tag("outcome", "success").register(registry);
        this.failure = Timer.builder("messaging.process.duration").description("Processing time of one attempt")
                .tags(tags).tag("outcome", "failure").register(registry);
        this.retries = Counter.builder("twelvefold.retries").description("Attempts scheduled after a failure")
                .tags(tags).register(registry);
        io.micrometer.core.instrument.Gauge.builder("twelvefold.in.flight", inFlight)
                .description("Events delivered and not yet acknowledged").tags(tags).register(registry);
    }

    void consumed() {
        consumed.increment();
    }

    void processed(long startNanos, boolean ok) {
        (ok ? success : failure).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void retry() {
        retries.increment();
    }

    void deadLetter(String reason) {
        deadLetters.computeIfAbsent(reason, r -> Counter.builder("twelvefold.dead.letters")
                .description("Events sent to the dead-letter destination").tags(tags).tag("reason", r)
                .register(registry)).increment();
    }
}
