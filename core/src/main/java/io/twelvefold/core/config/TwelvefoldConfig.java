package io.twelvefold.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/**
 * The configuration of a Twelvefold process, under {@code twelvefold.}.
 *
 * <p>Every key can be set with an environment variable by the MicroProfile rule:
 * {@code twelvefold.shutdown-timeout} is {@code TWELVEFOLD_SHUTDOWN_TIMEOUT}, and
 * {@code twelvefold.channels.jedi-commands.max-attempts} is
 * {@code TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS}. Durations accept {@code 500ms},
 * {@code 30s}, {@code 2m}, {@code 1h} as well as ISO-8601 ({@code PT30S}).
 */
@ConfigMapping(prefix = "twelvefold")
public interface TwelvefoldConfig {

    /** @return the transport's name ({@code inmemory}, {@code kafka}, {@code rabbitmq}) */
    @WithDefault("inmemory")
    String transport();

    /**
     * The application's name: the default consumer group of every channel and the default
     * CloudEvents {@code source} ({@code /<name>}) of the events it emits.
     *
     * @return the name, never null
     */
    @WithDefault("twelvefold")
    String name();

    /** @return how long a graceful stop waits for in-flight events before it gives up on them */
    @WithDefault("30s")
    Duration shutdownTimeout();

    /**
     * How long a start keeps trying to reach the broker (readiness DOWN meanwhile) before it fails;
     * {@code 0} fails at the first attempt.
     *
     * @return the timeout, never negative
     */
    @WithDefault("60s")
    Duration startTimeout();

    /**
     * Whether the app prepares, on background threads from the moment it is built, what its first
     * events need (the JSON mapper and the payload types' readers); see the architecture
     * documentation. Off, the first events pay for it.
     *
     * @return whether the start-up warm-up runs
     */
    @WithDefault("true")
    boolean warmUp();

    /** @return per-channel settings, by channel name; every declared channel has an entry */
    Map<String, ChannelConfig> channels();

    /** @return which meters the process registers besides its own */
    MetricsConfig metrics();

    /** The meters registered besides Twelvefold's own, under {@code twelvefold.metrics.}. */
    interface MetricsConfig {
        /**
         * @return whether Micrometer's JVM and process meters (memory, GC, threads, classes, CPU,
         *     uptime, open files: {@code jvm_*}, {@code process_*}, {@code system_*}) are registered
         */
        @WithDefault("true")
        boolean jvm();
    }
}
