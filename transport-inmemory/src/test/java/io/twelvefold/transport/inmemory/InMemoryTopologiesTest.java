package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.RoutingSlip;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The mediator topology with the core's helpers: a content-based router and a routing slip. */
class InMemoryTopologiesTest {
    private final String broker = "topologies-" + UUID.randomUUID();

    record Toon(String name, String order) {
    }

    private App.Builder app(String name) {
        return App.builder().name(name).environment(Map.of()).config("twelvefold.inmemory.broker", broker);
    }

    @Test
    @DisplayName("a router sends each event unchanged to the channel its payload picks; what it cannot route is"
            + " dead-lettered with the reason")
    void contentBasedRouter() {
        List<Event<Toon>> jedi = new CopyOnWriteArrayList<>();
        List<Event<Toon>> sith = new CopyOnWriteArrayList<>();
        List<Event<byte[]>> dead = new CopyOnWriteArrayList<>();
        String lukeId;
        try (App router = app("router").processor("toons", Toon.class, EventProcessor.route(t -> switch (t.order()) {
                    case "Jedi" -> "jedi";
                    case "Sith" -> "sith";
                    default -> throw ProcessingException.fatal("Order '" + t.order() + "' is neither Jedi nor Sith");
                })).output("jedi").output("sith").build().start();
                App services = app("services").processor("jedi", Toon.class, (e, ctx) -> jedi.add(e))
                        .processor("sith", Toon.class, (e, ctx) -> sith.add(e))
                        .processor("toons-dlq", byte[].class, (e, ctx) -> dead.add(e))
                        .config("twelvefold.channels.toons-dlq.destination", "toons.dlq")
                        .output("toons").build().start()) {
            Event<Toon> luke = services.publisher().newEvent("toons", "luke", new Toon("Luke", "Jedi"));
            lukeId = luke.id();
            services.publisher().publish("toons", luke);
            services.publisher().publish("toons", "vader", new Toon("Vader", "Sith"));
            services.publisher().publish("toons", "jar-jar", new Toon("Jar Jar", "Gungan"));

            await().atMost(Duration.ofSeconds(10)).until(() -> jedi.size() == 1 && sith.size() == 1 && dead.size() == 1);
        }
        assertThat(jedi.get(0).id()).as("routed unchanged").isEqualTo(lukeId);
        assertThat(jedi.get(0).data()).isEqualTo(new Toon("Luke", "Jedi"));
        assertThat(jedi.get(0).key()).contains("luke");
        assertThat(sith.get(0).data().name()).isEqualTo("Vader");
        assertThat(dead.get(0).header(DeadLetterHeaders.REASON)).contains("fatal");
        assertThat(dead.get(0).header(DeadLetterHeaders.EXCEPTION_MESSAGE))
                .contains("Order 'Gungan' is neither Jedi nor Sith");
    }

    @Test
    @DisplayName("a routing slip carries the flow: the mediator decides once, each step forwards, any instance can"
            + " continue it")
    void routingSlip() {
        List<Event<Toon>> enlisted = new CopyOnWriteArrayList<>();
        List<String> steps = new CopyOnWriteArrayList<>();
        try (App mediator = app("mediator").processor("toons", Toon.class, (e, ctx) ->
                        RoutingSlip.of(e.data().order().toLowerCase(java.util.Locale.ROOT), "enlisted").start(e, ctx))
                .output("jedi").output("sith").build().start();
                App jediService = app("jedi").processor("jedi", Toon.class, (e, ctx) -> {
                    steps.add("jedi stored " + e.data().name());
                    RoutingSlip.forward(e, ctx);
                }).output("enlisted").build().start();
                App web = app("web").processor("enlisted", Toon.class, (e, ctx) -> enlisted.add(e))
                        .output("toons").build().start()) {
            web.publisher().publish("toons", "leia", new Toon("Leia", "Jedi"));

            await().atMost(Duration.ofSeconds(10)).until(() -> enlisted.size() == 1);
        }
        assertThat(steps).containsExactly("jedi stored Leia");
        assertThat(enlisted.get(0).data()).isEqualTo(new Toon("Leia", "Jedi"));
        assertThat(RoutingSlip.of(enlisted.get(0))).as("the flow is over").isEmpty();
    }
}
