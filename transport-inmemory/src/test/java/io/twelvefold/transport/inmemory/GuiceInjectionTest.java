package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.TwelvefoldException;
import io.twelvefold.core.inject.EventPublisherProvider;
import io.twelvefold.core.inject.MeterRegistryProvider;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The jakarta.inject providers of core, wired by a real container (Guice 7). */
class GuiceInjectionTest {

    /** A user's component, as an HTTP handler would be: it only knows jakarta.inject. */
    static final class GreetingService {
        private final EventPublisher publisher;
        private final MeterRegistry registry;

        @Inject
        GreetingService(EventPublisher publisher, MeterRegistry registry) {
            this.publisher = publisher;
            this.registry = registry;
        }

        void greet(String name) {
            registry.counter("greetings.requested").increment();
            publisher.publish("greetings", name, "hello " + name).toCompletableFuture().join();
        }
    }

    @Test
    @DisplayName("Guice injects the app's publisher and meter registry into a component built before the app starts")
    void injectsThePublisherAndTheRegistry() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        App app = App.builder()
                .environment(Map.of())
                .config("twelvefold.inmemory.broker", "guice-" + UUID.randomUUID())
                .meterRegistry(registry)
                .processor("greetings", String.class, (e, ctx) -> received.add(e.data()))
                .output("greetings")
                .build();
        Injector injector = Guice.createInjector(new AbstractModule() {
            @Override
            protected void configure() {
                bind(App.class).toInstance(app);
                bind(EventPublisher.class).toProvider(EventPublisherProvider.class);
                bind(MeterRegistry.class).toProvider(MeterRegistryProvider.class);
            }
        });

        GreetingService service = injector.getInstance(GreetingService.class);
        ExecutionException beforeStart = org.assertj.core.api.Assertions.catchThrowableOfType(
                ExecutionException.class, () -> service.publisher.publish("greetings", "early").toCompletableFuture().get());
        assertThat(beforeStart).hasCauseInstanceOf(TwelvefoldException.class);
        assertThat(beforeStart.getCause())
                .hasMessage("The app is not started; call App.start() before publisher()");

        try (app) {
            app.start();
            service.greet("leia");
            await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("hello leia"));
        }
        assertThat(service.registry).isSameAs(registry);
        assertThat(registry.get("greetings.requested").counter().count()).isEqualTo(1);
        assertThat(injector.getInstance(EventPublisher.class)).as("one publisher per provider")
                .isSameAs(service.publisher);
        assertThat(received).containsExactly("hello leia");
    }
}
