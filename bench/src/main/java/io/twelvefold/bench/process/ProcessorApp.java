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
 *
 * <p>{@code BENCH_FAIL_EVERY=N} (for the retry benchmark): toon number {@code n} with
 * {@code n % N == N - 1} fails its first two attempts and succeeds at the third, as a flaky
 * downstream would; the channel's default retry policy applies (backoff 100 ms, then 200 ms).
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
        String every = System.getenv("BENCH_FAIL_EVERY");
        int failEvery = every == null || every.isBlank() ? 0 : Integer.parseInt(every.trim());
        App.builder()
                .processor("toons", Toon.class, (event, ctx) -> {
                    if (failEvery > 0 && event.data().n() % failEvery == failEvery - 1 && ctx.attempt() <= 2) {
                        throw new IllegalStateException("flaky downstream (attempt " + ctx.attempt() + ")");
                    }
                    ctx.emit("shouted", event.data().shouted());
                })
                .output("shouted")
                .run(args);
    }
}
