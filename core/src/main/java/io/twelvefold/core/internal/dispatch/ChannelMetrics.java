package io.twelvefold.core.internal.dispatch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.twelvefold.core.internal.ChannelSettings;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The meters of one subscribed channel (docs/lifecycle.md, the HTTP endpoint). They can be registered after the
 * channel started counting ({@link #bind(MeterRegistry)}): the engine registers them once the app
 * is ready, and what happened before is carried over. Thread-safe.
 */
public final class ChannelMetrics {
    private final String transport;
    private final ChannelSettings settings;
    private final Supplier<Number> inFlight;
    private final Supplier<Number> parked;
    private final LateCounter consumed = new LateCounter();
    private final LateTimer success = new LateTimer();
    private final LateTimer failure = new LateTimer();
    private final LateCounter retries = new LateCounter();
    private final LateCounter replayed = new LateCounter();
    private final Map<String, LateCounter> deadLetters = new ConcurrentHashMap<>();
    private volatile Bound bound;

    /** The registry and the tags, once bound. */
    private record Bound(MeterRegistry registry, Tags tags) {
    }

    /** Meters registered at once in {@code registry}. */
    ChannelMetrics(MeterRegistry registry, String transport, ChannelSettings s, Supplier<Number> inFlight) {
        this(transport, s, inFlight);
        bind(registry);
    }

    /** Meters that count now and are registered by {@link #bind(MeterRegistry)}; none parked. */
    ChannelMetrics(String transport, ChannelSettings s, Supplier<Number> inFlight) {
        this(transport, s, inFlight, () -> 0);
    }

    /**
     * Meters that count now and are registered by {@link #bind(MeterRegistry)}.
     *
     * @param inFlight events delivered and not yet acknowledged
     * @param parked those of them waiting behind a retry delay of their key
     */
    ChannelMetrics(String transport, ChannelSettings s, Supplier<Number> inFlight, Supplier<Number> parked) {
        this.transport = transport;
        this.settings = s;
        this.inFlight = inFlight;
        this.parked = parked;
    }

    /**
     * Registers the meters and hands over what they counted so far. Call once.
     *
     * @param registry the registry
     */
    public void bind(MeterRegistry registry) {
        Tags tags = Tags.of("channel", settings.channel(), "destination", settings.destination(),
                "transport", transport);
        consumed.bind(Counter.builder("messaging.client.consumed.messages")
                .description("Messages delivered by the broker").tags(tags).register(registry));
        success.bind(Timer.builder("messaging.process.duration").description("Processing time of one attempt")
                .tags(tags).tag("outcome", "success").register(registry));
        failure.bind(Timer.builder("messaging.process.duration").description("Processing time of one attempt")
                .tags(tags).tag("outcome", "failure").register(registry));
        replayed.bind(Counter.builder("twelvefold.replayed")
                .description("Events received that dlq replay sent back from a dead-letter destination").tags(tags)
                .register(registry));
        retries.bind(Counter.builder("twelvefold.retries").description("Attempts scheduled after a failure")
                .tags(tags).register(registry));
        Gauge.builder("twelvefold.in.flight", inFlight)
                .description("Events delivered and not yet acknowledged").tags(tags).register(registry);
        Gauge.builder("twelvefold.parked", parked)
                .description("Events delivered and waiting behind a retry delay of their key (not counted against "
                        + "max-in-flight)").tags(tags).register(registry);
        Bound b = new Bound(registry, tags);
        // Published before the dead-letter reasons are bound: a reason that appears from now on
        // binds itself in deadLetter(), one that appeared before is bound here; both is harmless.
        bound = b;
        for (Map.Entry<String, LateCounter> e : deadLetters.entrySet()) {
            e.getValue().bind(deadLetterCounter(b, e.getKey()));
        }
    }

    void consumed() {
        consumed.increment();
    }

    void processed(long startNanos, boolean ok) {
        (ok ? success : failure).record(System.nanoTime() - startNanos);
    }

    void replayed() {
        replayed.increment();
    }

    void retry() {
        retries.increment();
    }

    void deadLetter(String reason) {
        LateCounter counter = deadLetters.computeIfAbsent(reason, r -> new LateCounter());
        counter.increment();
        Bound b = bound;
        if (b != null && !counter.bound()) {
            counter.bind(deadLetterCounter(b, reason));
        }
    }

    private static Counter deadLetterCounter(Bound b, String reason) {
        return Counter.builder("twelvefold.dead.letters").description("Events sent to the dead-letter destination")
                .tags(b.tags()).tag("reason", reason).register(b.registry());
    }
}
