package io.twelvefold.bench.process;

import io.twelvefold.bench.Toon;
import io.twelvefold.core.App;

/**
 * The Twelvefold side of the broker benchmarks as a process: channel {@code toons} in, the toon
 * {@link Toon#shouted() shouted} to channel {@code shouted}. Everything else comes from the
 * environment ({@code TWELVEFOLD_TRANSPORT}, {@code TWELVEFOLD_KAFKA_*} or
 * {@code TWELVEFOLD_RABBITMQ_*}, {@code TWELVEFOLD_CHANNELS_TOONS_DESTINATION},
 * {@code TWELVEFOLD_CHANNELS_TOONS_GROUP}, {@code TWELVEFOLD_CHANNELS_SHOUTED_DESTINATION}); the
 * hand-written loops read the same variables. Stops gracefully on SIGTERM and exits 0.
 */
public final class ProcessorApp {
    private ProcessorApp() {
    }

    /**
     * Runs until SIGTERM.
     *
     * @param args passed to {@link App.Builder#run(String...)}
     */
    public static void main(String[] args) {
        App.builder()
                .processor("toons", Toon.class, (event, ctx) -> ctx.emit("shouted", event.data().shouted()))
                .output("shouted")
                .run(args);
    }
}
