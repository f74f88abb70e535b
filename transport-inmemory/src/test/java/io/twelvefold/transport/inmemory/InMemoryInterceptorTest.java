package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.ForwardingProcessorContext;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.ProcessorInterceptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Interceptors registered on the builder, end to end on the embedded transport. */
class InMemoryInterceptorTest {
    private final String broker = "interceptor-test-" + UUID.randomUUID();

    @Test
    @DisplayName("global interceptors run before the channel's, around every attempt: they count attempts in the app's registry, tag outputs and see the retries")
    void endToEnd() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Counter attempts = Counter.builder("shop.attempts").register(registry);
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Event<?>> outputs = new CopyOnWriteArrayList<>();
        ProcessorInterceptor counting = chain -> {
            attempts.increment();
            chain.proceed();
        };
        ProcessorInterceptor tenant = chain -> {
            seen.add(chain.event().data() + "#" + chain.context().attempt());
            chain.proceed(chain.event(), new Tenant(chain.context()));
        };
        try (App app = App.builder().environment(Map.of()).config("twelvefold.inmemory.broker", broker)
                .meterRegistry(registry)
                .config("twelvefold.channels.orders.backoff.initial", "1ms")
                .config("twelvefold.channels.orders.max-attempts", "3")
                .intercept(counting)
                .intercept("orders", tenant)
                .processor("orders", String.class, (e, ctx) -> {
                    if (e.data().equals("flaky") && ctx.attempt() < 3) {
                        throw new IllegalStateException("not yet");
                    }
                    ctx.emit("shipments", Event.builder(e.data()).source("/shop").type("shipment")
                            .key(e.key().orElse(null)).build());
                })
                .processor("shipments", String.class, (e, ctx) -> outputs.add(e))
                .output("orders").output("shipments")
                .build().start()) {
            app.publisher().publish("orders", "a", "ok");
            app.publisher().publish("orders", "b", "flaky");
            await().atMost(Duration.ofSeconds(10)).until(() -> outputs.size() == 2);
        }
        assertThat(seen).containsExactlyInAnyOrder("ok#1", "flaky#1", "flaky#2", "flaky#3");
        assertThat(outputs).allSatisfy(e -> assertThat(e.headers()).containsEntry("tenant", "acme"));
        assertThat(attempts.count()).as("4 attempts on orders, 2 on shipments").isEqualTo(6);
    }

    /** Adds the tenant header to every event emitted. */
    private static final class Tenant extends ForwardingProcessorContext {
        Tenant(ProcessorContext delegate) {
            super(delegate);
        }

        @Override
        public void emit(String channel, Event<?> event) {
            super.emit(channel, event.toBuilder().header("tenant", "acme").build());
        }
    }
}
