package io.twelvefold.examples.quickstart;

import io.twelvefold.core.App;
import io.twelvefold.core.EventProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smallest Twelvefold process. Greetings are shouted (upper-cased) and the shouts are printed.
 * On start it publishes a few greetings of its own ({@code QUICKSTART_GREETINGS}, default 5) so
 * there is something to see on the in-memory transport; it then runs until SIGTERM or Ctrl-C.
 */
public final class Quickstart {
    private static final Logger LOG = LoggerFactory.getLogger(Quickstart.class);

    /** A greeting, as JSON {@code {"from": "...", "text": "..."}}. */
    public record Greeting(String from, String text) {
    }

    private Quickstart() {
    }

    /**
     * Runs the quickstart.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        App.Builder app = App.builder()
                .processor("greetings", Greeting.class, EventProcessor.map("shouts",
                        g -> new Greeting(g.from(), g.text().toUpperCase(java.util.Locale.ROOT) + "!")))
                .processor("shouts", Greeting.class, (event, ctx) ->
                        LOG.info("processed {} from {}: {}", event.id(), event.data().from(), event.data().text()))
                .output("greetings")
                .output("shouts")
                .onStart(Quickstart::publishGreetings);
        app.run(args);
    }

    private static void publishGreetings(App started) {
        int count = Integer.parseInt(System.getenv().getOrDefault("QUICKSTART_GREETINGS", "5"));
        String[] names = {"luke", "leia", "han", "chewie", "yoda"};
        for (int i = 0; i < count; i++) {
            String from = names[i % names.length];
            started.publisher().publish("greetings", from, new Greeting(from, "hello number " + (i + 1)));
        }
    }
}
