package io.twelvefold.core.internal.config;

import io.twelvefold.core.config.ChannelConfig;
import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.spi.ConfigKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The keys of {@link TwelvefoldConfig} and {@link ChannelConfig}, with types, defaults and
 * descriptions, for validation and the configuration manifest. {@code CoreKeysTest} checks them
 * against the {@code @WithDefault} annotations of the mapping, so the two cannot drift apart.
 *
 * <p>Immutable and thread-safe.
 */
public final class CoreKeys {

    /** Keys relative to {@code twelvefold.}, in manifest order. */
    public static final List<ConfigKey> GLOBAL = List.of(
            key("transport", "string", "inmemory",
                    "The transport to use (inmemory, kafka, rabbitmq); its module must be on the classpath."),
            key("name", "string", "twelvefold",
                    "The application's name: the default consumer group and CloudEvents source."),
            key("shutdown-timeout", "duration", "30s",
                    "How long a graceful stop waits for in-flight events."),
            key("start-timeout", "duration", "60s",
                    "How long a start keeps trying to reach the broker (readiness DOWN meanwhile); 0 fails at once."),
            key("warm-up", "boolean", "true",
                    "Whether the first events' JSON work is prepared on background threads from the start."),
            key("metrics.jvm", "boolean", "true",
                    "Whether the JVM and process meters (jvm_*, process_*, system_*) are registered."));

    /** Keys relative to {@code twelvefold.channels.<channel>.}, in manifest order. */
    public static final List<ConfigKey> CHANNEL = List.of(
            key("destination", "string", null,
                    "The broker destination (topic, exchange); defaults to the channel name."),
            key("group", "string", null,
                    "The consumer group of a subscribed channel; defaults to twelvefold.name."),
            key("format", "string", "cloudevents",
                    "cloudevents (CloudEvents binary mode out; binary or structured in) or plain (the payload alone)."),
            key("type", "string", null,
                    "The CloudEvents type of emitted events and of plain input; defaults to the payload class "
                            + "as a reverse-DNS name."),
            key("source", "string", null,
                    "The CloudEvents source of emitted events (default /<name>) and of plain input "
                            + "(default: the destination)."),
            key("concurrency", "int", "8",
                    "How many different keys are processed at the same time."),
            key("max-in-flight", "int", "256",
                    "How many events may be delivered and not yet acknowledged, at least concurrency; events "
                            + "waiting behind their key's retry delay do not count (their bound is 16 times this)."),
            key("max-attempts", "int", "5",
                    "Attempts before an event is dead-lettered, the first one included."),
            key("backoff.initial", "duration", "100ms",
                    "The delay before the second attempt."),
            key("backoff.max", "duration", "30s",
                    "The longest delay between two attempts."),
            key("backoff.multiplier", "double", "2.0",
                    "The factor between two consecutive delays, at least 1."),
            key("backoff.jitter", "double", "0.2",
                    "The random spread of each delay, a fraction in [0, 1]."),
            key("retry.broker-delay-from", "duration", null,
                    "Retries whose backoff is at least this wait on the broker, not in the process; unset for never."),
            key("dead-letter-destination", "string", null,
                    "Where dead letters go; defaults to <destination>.dlq (none for a destination ending with .dlq); "
                            + "none for nowhere: what would be dead-lettered stays unacknowledged."),
            key("max-payload-size", "int", "1048576",
                    "The largest payload accepted, in bytes; larger ones are dead-lettered unprocessed."),
            key("processing-timeout", "duration", "30s",
                    "The time one attempt should take at most."),
            key("inline-below", "duration", "200us",
                    "While attempts take less than this on average, they run on the transport's delivery thread "
                            + "(where the transport allows it) instead of being handed to a worker; 0 for never."));

    private CoreKeys() {
    }

    /**
     * The prefix of a channel's keys.
     *
     * @param channel the channel name, never null
     * @return {@code twelvefold.channels.<channel>.}, never null
     */
    public static String channelPrefix(String channel) {
        return "twelvefold.channels." + channel + ".";
    }

    /**
     * The core settings: the global keys, then the keys of each channel in the given order.
     *
     * @param channels the declared channel names, never null
     * @return an immutable list, never null
     */
    public static List<Setting> settings(Collection<String> channels) {
        List<Setting> settings = new ArrayList<>();
        for (ConfigKey key : GLOBAL) {
            settings.add(Setting.of("twelvefold.", key));
        }
        for (String channel : channels) {
            for (ConfigKey key : CHANNEL) {
                settings.add(Setting.of(channelPrefix(channel), key));
            }
        }
        return List.copyOf(settings);
    }

    /** The default of a key, or null. */
    static String defaultOf(List<ConfigKey> keys, String name) {
        for (ConfigKey key : keys) {
            if (key.name().equals(name)) {
                return key.defaultValue();
            }
        }
        throw new IllegalArgumentException("no core key " + name);
    }

    private static ConfigKey key(String name, String type, String defaultValue, String description) {
        return new ConfigKey(name, type, defaultValue, false, description);
    }
}
