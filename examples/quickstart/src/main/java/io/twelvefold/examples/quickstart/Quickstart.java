package io.twelvefold.examples.quickstart;

// tag::readme[]
import io.twelvefold.core.App;
import io.twelvefold.core.EventProcessor;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class Quickstart {
    private static final Logger LOG = LoggerFactory.getLogger(Quickstart.class);

    /** A greeting, as JSON {"from": "...", "text": "..."}. */
    public record Greeting(String from, String text) { }

    public static void main(String[] args) {
        App.builder()
           .name("quickstart")
           // greetings are shouted...
           .processor("greetings", Greeting.class, EventProcessor.map("shouts",
                   g -> new Greeting(g.from(), g.text().toUpperCase(Locale.ROOT) + "!")))
           // ...and the shouts are printed
           .processor("shouts", Greeting.class, (event, ctx) ->
                   LOG.info("processed {} from {}: {}", event.id(), event.data().from(), event.data().text()))
           .output("greetings")
           .output("shouts")
           .onStart(Quickstart::greet)
           .run(args);   // until SIGTERM / Ctrl-C; then a graceful stop and exit 0
    }

    /** Publishes a few greetings (QUICKSTART_GREETINGS, default 5), so there is something to see. */
    private static void greet(App app) {
        int count = Integer.parseInt(System.getenv().getOrDefault("QUICKSTART_GREETINGS", "5"));
        String[] names = {"luke", "leia", "han", "chewie", "yoda"};
        for (int i = 0; i < count; i++) {
            String from = names[i % names.length];
            app.publisher().publish("greetings", from, new Greeting(from, "hello number " + (i + 1)));
        }
    }
}
// end::readme[]
