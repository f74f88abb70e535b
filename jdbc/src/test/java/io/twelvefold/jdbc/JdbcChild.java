package io.twelvefold.jdbc;

import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import java.sql.PreparedStatement;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * The app the process-level tests run as a child JVM and kill. {@code consume}: an idempotent
 * consumer of {@code orders} that inserts a row per event into {@code EFFECTS_TABLE} and prints
 * {@code PROCESSED <id>}; an outer interceptor prints {@code DONE <id>} once the transaction
 * committed and, with {@code HOLD_AFTER_COMMIT=true}, then blocks, so the event is never
 * acknowledged; with {@code PUBLISH=true} it publishes one order at start ({@code PUBLISHED <id>}).
 * {@code relay}: an app that only relays its outbox to {@code shipments}. Settings from the environment;
 * the arguments after the mode go to the app's command line ({@code --print-config}, {@code migrate}).
 */
public final class JdbcChild {
    private JdbcChild() {
    }

    public static void main(String[] args) {
        Jdbc jdbc = Jdbc.create();
        App.Builder b = App.builder().extension(jdbc);
        if (args.length > 0 && args[0].equals("consume")) {
            consume(b, jdbc);
        } else {
            b.output("shipments").onStart(app -> say("RELAYING"));
        }
        b.run(Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
    }

    private static void consume(App.Builder b, Jdbc jdbc) {
        String effects = System.getenv("EFFECTS_TABLE");
        boolean hold = "true".equals(System.getenv("HOLD_AFTER_COMMIT"));
        b.intercept("orders", chain -> {
            chain.proceed();
            say("DONE " + chain.event().id());
            if (hold) {
                new CountDownLatch(1).await(); // until the test kills the process: never acknowledged
            }
        }).intercept("orders", jdbc.idempotent()).processor("orders", String.class, (e, ctx) -> {
            try (PreparedStatement ps = Jdbc.connection(ctx).prepareStatement("INSERT INTO " + effects
                    + " VALUES (?, ?)")) {
                ps.setString(1, e.id());
                ps.setString(2, e.data());
                ps.executeUpdate();
            }
            say("PROCESSED " + e.id());
        }).output("orders").onStart(app -> {
            if ("true".equals(System.getenv("PUBLISH"))) {
                Event<String> order = app.publisher().newEvent("orders", "k", "book");
                app.publisher().publish("orders", order).toCompletableFuture().join();
                say("PUBLISHED " + order.id());
            }
        });
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
