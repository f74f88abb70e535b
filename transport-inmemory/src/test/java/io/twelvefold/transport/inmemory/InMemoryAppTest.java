package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessingException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The runtime end to end on the embedded transport: lifecycle, hooks, trace context, meters. */
class InMemoryAppTest {
    private final String broker = "app-test-" + UUID.randomUUID();

    private App.Builder builder() {
        return App.builder().environment(Map.of()).config("twelvefold.inmemory.broker", broker);
    }

    @Test
    @DisplayName("the app goes starting, ready, draining, stopped; start hooks in order, stop hooks in reverse after the last event")
    void lifecycle() {
        List<String> seen = new CopyOnWriteArrayList<>();
        App app = builder()
                .processor("in", String.class, (e, ctx) -> seen.add("processed " + e.data()))
                .output("in")
                .onStart(a -> seen.add("start 1 " + a.state()))
                .onStart(a -> seen.add("start 2"))
                .onStop(() -> seen.add("stop 1"))
                .onStop(() -> seen.add("stop 2"))
                .build();
        assertThat(app.state()).isEqualTo(App.State.STARTING);
        app.start();
        assertThat(app.state()).isEqualTo(App.State.READY);
        app.publisher().publish("in", "k", "x").toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("processed x"));
        app.close();
        assertThat(app.state()).isEqualTo(App.State.STOPPED);
        assertThat(seen).containsExactly("start 1 STARTING", "start 2", "processed x", "stop 2", "stop 1");
        app.close();
        assertThat(seen).hasSize(5);
    }

    @Test
    @DisplayName("short attempts run on the subscription's own thread once their average is known; inline-below 0 keeps them on the workers")
    void shortAttemptsOnTheSubscriptionThread() {
        assertThat(threadsThatProcessed(Map.of())).as("default inline-below")
                .anyMatch(t -> t.startsWith("twelvefold-inmemory-"));
        assertThat(threadsThatProcessed(Map.of("twelvefold.channels.in.inline-below", "0")))
                .isNotEmpty().allMatch(t -> t.startsWith("twelvefold-in-"));
    }

    /** The names of the threads that ran the processor on 300 events sent in bursts of 10. */
    private java.util.Set<String> threadsThatProcessed(Map<String, String> config) {
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger processed = new java.util.concurrent.atomic.AtomicInteger();
        App.Builder b = builder();
        config.forEach(b::config);
        try (App app = b.processor("in", String.class, (e, ctx) -> {
                    threads.add(Thread.currentThread().getName());
                    processed.incrementAndGet();
                })
                .output("in")
                .build().start()) {
            for (int burst = 0; burst < 30; burst++) {
                for (int i = 0; i < 10; i++) {
                    app.publisher().publish("in", "k" + i, "x").toCompletableFuture().join();
                }
                int expected = (burst + 1) * 10;
                await().atMost(Duration.ofSeconds(10)).until(() -> processed.get() == expected);
            }
        }
        return threads;
    }

    @Test
    @DisplayName("a traceparent on the input is carried to every emitted event with a new span id per hop")
    void traceContext() {
        List<Event<String>> out = new CopyOnWriteArrayList<>();
        List<String> hops = new CopyOnWriteArrayList<>();
        try (App app = builder()
                .processor("in", String.class, (e, ctx) -> {
                    hops.add(ctx.traceParent());
                    ctx.emit("out", e.data() + "!");
                    ctx.emit("out", e.data() + "?");
                })
                .processor("out", String.class, (e, ctx) -> out.add(e))
                .output("in").output("out")
                .build().start()) {
            String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            app.publisher().publish("in", Event.builder("hi").source("/t").type("t").key("k")
                    .header("traceparent", parent).header("tracestate", "vendor=1").build());
            app.publisher().publish("in", "k2", "fresh");
            await().atMost(Duration.ofSeconds(10)).until(() -> out.size() == 4);
            String hop = hops.stream().filter(h -> h.contains("4bf92f3577b34da6a3ce929d0e0e4736")).findFirst().orElseThrow();
            assertThat(hop).matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01").isNotEqualTo(parent);
            List<Event<String>> continued = out.stream().filter(e -> e.data().startsWith("hi")).toList();
            assertThat(continued).hasSize(2).allSatisfy(e -> {
                assertThat(e.header("traceparent")).contains(hop);
                assertThat(e.header("tracestate")).contains("vendor=1");
            });
            List<Event<String>> fresh = out.stream().filter(e -> e.data().startsWith("fresh")).toList();
            assertThat(fresh).hasSize(2).allSatisfy(e -> assertThat(e.header("traceparent").orElseThrow())
                    .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01")
                    .doesNotContain("4bf92f3577b34da6a3ce929d0e0e4736"));
        }
    }

    @Test
    @DisplayName("meters are registered when asked for after READY, else a second after it, with what they counted before")
    void metersRegistration() {
        SimpleMeterRegistry asked = new SimpleMeterRegistry();
        SimpleMeterRegistry waited = new SimpleMeterRegistry();
        List<String> seen = new CopyOnWriteArrayList<>();
        // two groups on one destination: each app gets the event
        try (App first = builder().meterRegistry(asked).config("twelvefold.channels.in.group", "asked")
                .processor("in", String.class, (e, ctx) -> seen.add(e.data())).output("in").build().start();
                App second = builder().meterRegistry(waited).config("twelvefold.channels.in.group", "waited")
                        .processor("in", String.class, (e, ctx) -> seen.add(e.data())).build().start()) {
            first.publisher().publish("in", "k", "one").toCompletableFuture().join();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);

            // asked for: registered by the call, before it returns, with the event counted before
            assertThat(first.meterRegistry().get("messaging.client.consumed.messages").tag("channel", "in")
                    .counter().count()).isEqualTo(1);
            // not asked for: registered on its own, soon after READY
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> assertThat(
                    waited.get("messaging.client.consumed.messages").tag("channel", "in").counter().count())
                    .isEqualTo(1));
        }
    }

    @Test
    @DisplayName("meters count consumed, processed, retried, dead-lettered and sent events by channel, destination, transport, outcome")
    void meters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (App app = builder()
                .meterRegistry(registry)
                .config("twelvefold.channels.in.backoff.initial", "1ms")
                .config("twelvefold.channels.in.max-attempts", "2")
                .processor("in", String.class, (e, ctx) -> {
                    if (e.data().equals("bad")) {
                        throw ProcessingException.fatal("no");
                    }
                    if (e.data().equals("flaky") && ctx.attempt() == 1) {
                        throw new IllegalStateException("once");
                    }
                    ctx.emit("out", e.data());
                })
                .output("in").output("out")
                .build().start()) {
            for (String s : List.of("a", "b", "bad", "flaky")) {
                app.publisher().publish("in", s, s);
            }
            await("the meters, registered a second after READY").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .untilAsserted(() -> {
                assertThat(registry.get("messaging.client.consumed.messages").tag("channel", "in")
                        .tag("destination", "in").tag("transport", "inmemory").counter().count()).isEqualTo(4);
                assertThat(registry.get("messaging.process.duration").tag("channel", "in").tag("outcome", "success")
                        .timer().count()).isEqualTo(3);
                assertThat(registry.get("messaging.process.duration").tag("channel", "in").tag("outcome", "failure")
                        .timer().count()).isEqualTo(2);
                assertThat(registry.get("twelvefold.retries").tag("channel", "in").counter().count()).isEqualTo(1);
                assertThat(registry.get("twelvefold.dead.letters").tag("channel", "in").tag("reason", "fatal")
                        .counter().count()).isEqualTo(1);
                assertThat(registry.get("messaging.client.sent.messages").tag("channel", "out").counter().count())
                        .isEqualTo(3);
                assertThat(registry.get("twelvefold.in.flight").tag("channel", "in").gauge().value()).isZero();
            });
        }
    }

    @Test
    @DisplayName("the JVM and process meters are registered by default, and not with twelvefold.metrics.jvm=false")
    void jvmMeters() {
        try (App on = builder().output("out").build().start();
                App off = builder().config("twelvefold.metrics.jvm", "false").output("out").build().start()) {
            assertThat(on.meterRegistry().find("jvm.memory.used").gauges()).isNotEmpty();
            assertThat(on.meterRegistry().find("jvm.threads.live").gauge()).isNotNull();
            assertThat(on.meterRegistry().find("process.cpu.usage").gauge()).isNotNull();
            assertThat(on.meterRegistry().find("process.uptime").gauge()).isNotNull();
            assertThat(off.meterRegistry().find("jvm.memory.used").gauges()).isEmpty();
            assertThat(off.meterRegistry().find("process.uptime").gauge()).isNull();
        }
    }

    /** A toon of the original demo, as its front end publishes it. */
    record Toon(String name, String order) {
    }

    @Test
    @DisplayName("a plain channel: the payload alone travels; the consumer gets the id, source and type derived")
    void plainChannels() {
        List<Event<Toon>> received = new CopyOnWriteArrayList<>();
        try (App consumer = builder().name("router").config("twelvefold.channels.toons.format", "plain")
                .processor("toons", Toon.class, (e, ctx) -> received.add(e)).build().start();
                App producer = builder().name("web").config("twelvefold.channels.toons.format", "plain")
                        .output("toons").build().start()) {
            Event<Toon> sent = Event.builder(new Toon("Leia", "Jedi")).source("/web").type("ignored.on.plain")
                    .key("leia").build();
            producer.publisher().publish("toons", sent).toCompletableFuture().join();

            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
            Event<Toon> got = received.get(0);
            assertThat(got.data()).isEqualTo(new Toon("Leia", "Jedi"));
            assertThat(got.id()).as("the id travels as the broker's message id").isEqualTo(sent.id());
            assertThat(got.source()).isEqualTo("toons");
            assertThat(got.type()).isEqualTo("io.twelvefold.transport.inmemory.toon");
            assertThat(got.key()).contains("leia");
        }
    }

}
