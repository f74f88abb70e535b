package io.twelvefold.bench.process;

import io.twelvefold.bench.Toon;
import io.twelvefold.core.App;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Twelvefold side of the broker benchmarks as a process: channel {@code toons} in, the toon
 * {@link Toon#shouted() shouted} to channel {@code shouted}. Everything else comes from the
 * environment ({@code TWELVEFOLD_TRANSPORT}, {@code TWELVEFOLD_KAFKA_*} or
 * {@code TWELVEFOLD_RABBITMQ_*}, {@code TWELVEFOLD_CHANNELS_TOONS_DESTINATION},
 * {@code TWELVEFOLD_CHANNELS_TOONS_GROUP}, {@code TWELVEFOLD_CHANNELS_SHOUTED_DESTINATION}); the
 * hand-written loops read the same variables. Stops gracefully on SIGTERM and exits 0.
 *
 * <p>{@code BENCH_FAIL_EVERY=N} (for the retry benchmark): one toon in N, picked by a hash of its
 * number (so not tied to a key: the harnesses give toon {@code n} the key {@code n % keys}), fails its
 * first two attempts and succeeds at the third, as with a flaky downstream; the channel's default
 * retry policy applies (backoff 100 ms, then 200 ms).
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
                    if (failEvery > 0 && flaky(event.data().n(), failEvery) && ctx.attempt() <= 2) {
                        throw new IllegalStateException("flaky downstream (attempt " + ctx.attempt() + ")");
                    }
                    ctx.emit("shouted", event.data().shouted());
                })
                .output("shouted")
                .run(args);
    }

    /**
     * The environment of a child process on Kafka, for both sides (the hand-written loop reads the same variables).
     *
     * @param bootstrap the cluster
     * @param groupProtocol {@code classic} or {@code consumer}
     * @param input the input topic
     * @param group the consumer group
     * @param output the output topic
     * @return the variables, in a fixed order
     */
    static Map<String, String> kafkaEnvironment(String bootstrap, String groupProtocol, String input, String group,
            String output) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TWELVEFOLD_TRANSPORT", "kafka");
        env.put("TWELVEFOLD_NAME", "bench");
        env.put("TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("TWELVEFOLD_KAFKA_GROUP_PROTOCOL", groupProtocol);
        channels(env, input, group, output);
        return env;
    }

    /**
     * The environment of a child process on RabbitMQ, for both sides.
     *
     * @param uri the broker
     * @param input the input destination
     * @param group the consumer group
     * @param output the output destination
     * @return the variables, in a fixed order
     */
    static Map<String, String> rabbitEnvironment(String uri, String input, String group, String output) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("TWELVEFOLD_TRANSPORT", "rabbitmq");
        env.put("TWELVEFOLD_NAME", "bench");
        env.put("TWELVEFOLD_RABBITMQ_URI", uri);
        channels(env, input, group, output);
        return env;
    }

    private static void channels(Map<String, String> env, String input, String group, String output) {
        env.put("TWELVEFOLD_CHANNELS_TOONS_DESTINATION", input);
        env.put("TWELVEFOLD_CHANNELS_TOONS_GROUP", group);
        env.put("TWELVEFOLD_CHANNELS_SHOUTED_DESTINATION", output);
    }

    /** @return whether toon {@code n} is one of the one in {@code every} that fail (a 64-bit mix of n) */
    static boolean flaky(int n, int every) {
        long z = n * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return Math.floorMod(z ^ (z >>> 31), (long) every) == 0;
    }
}
