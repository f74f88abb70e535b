package io.twelvefold.core.internal.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Reports every environment variable starting with {@code TWELVEFOLD_} and every
 * {@code twelvefold.*} property that no known setting reads: SmallRye ignores unknown environment
 * variables silently, so a typo would otherwise fall back to a default without a word.
 */
final class UnknownKeys {

    private static final String CHANNELS_ENV = "TWELVEFOLD_CHANNELS_";
    private static final String CHANNELS_KEY = "twelvefold.channels.";

    private final KnownSettings known;
    private final SortedSet<String> channels;
    private final List<String> channelKeys;
    private final Set<String> absentTransports;
    private final List<String> problems;

    /**
     * @param channelKeys every key relative to {@code twelvefold.channels.<channel>.}, the core's and
     *     the transports' ({@code max-attempts}, {@code rabbitmq.queue})
     * @param absentTransports transports this project ships whose module is not on the classpath:
     *     their settings are ignored, not reported
     */
    UnknownKeys(KnownSettings known, SortedSet<String> channels, List<String> channelKeys,
            Set<String> absentTransports, List<String> problems) {
        this.known = known;
        this.channels = channels;
        this.channelKeys = channelKeys;
        this.absentTransports = absentTransports;
        this.problems = problems;
    }

    /**
     * Whether a normalised variable or a key belongs to a transport whose module is absent:
     * {@code TWELVEFOLD_RABBITMQ_URI}, {@code TWELVEFOLD_CHANNELS_ORDERS_RABBITMQ_QUEUE},
     * {@code twelvefold.rabbitmq.uri}, {@code twelvefold.channels.orders.rabbitmq.queue}.
     */
    private boolean ofAbsentTransport(String name, boolean env) {
        for (String t : absentTransports) {
            if (env) {
                String upper = t.toUpperCase(Locale.ROOT);
                if (name.startsWith("TWELVEFOLD_" + upper + "_")
                        || (name.startsWith(CHANNELS_ENV) && name.contains("_" + upper + "_"))) {
                    return true;
                }
            } else if (name.startsWith("twelvefold." + t + ".")
                    || (name.startsWith(CHANNELS_KEY) && name.contains("." + t + "."))) {
                return true;
            }
        }
        return false;
    }

    /** Checks environment variable names (not values: those may be secrets). */
    void checkEnvironment(Map<String, String> environment) {
        for (String name : new TreeSet<>(environment.keySet())) {
            String normalized = EnvNames.of(name);
            if (!normalized.startsWith("TWELVEFOLD_") || known.forEnv(normalized) != null
                    || ofAbsentTransport(normalized, true)) {
                continue;
            }
            String subject = "Environment variable '" + name + "'";
            String channel = channelOfEnv(normalized);
            if (channel != null && !channels.contains(channel)) {
                problems.add(undeclared(subject, channel));
            } else {
                problems.add(unknown(subject, known.nearestEnv(normalized)));
            }
        }
    }

    /**
     * Checks property keys.
     *
     * @param all whether every key must be known (code overrides), or only {@code twelvefold.*} ones
     *     (system properties)
     */
    void checkProperties(Map<String, String> properties, String subjectPrefix, String subjectSuffix, boolean all) {
        for (String key : new TreeSet<>(properties.keySet())) {
            if ((!all && !key.startsWith("twelvefold.")) || known.forKey(key) != null
                    || ofAbsentTransport(key, false)) {
                continue;
            }
            String subject = subjectPrefix + " '" + key + "'" + subjectSuffix;
            String channel = channelOfKey(key);
            if (channel != null && !channels.contains(channel)) {
                problems.add(undeclared(subject, channel));
            } else {
                problems.add(unknown(subject, known.nearestKey(key)));
            }
        }
    }

    private String undeclared(String subject, String channel) {
        return subject + " sets channel '" + channel + "', which is not declared in code. Declared channels: "
                + (channels.isEmpty() ? "none" : channels.toString());
    }

    private static String unknown(String subject, String suggestion) {
        return subject + " is not a Twelvefold setting" + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?");
    }

    /** The channel a variable like TWELVEFOLD_CHANNELS_FOO_BAR_MAX_ATTEMPTS names (foo-bar), or null. */
    private String channelOfEnv(String normalized) {
        if (!normalized.startsWith(CHANNELS_ENV)) {
            return null;
        }
        String rest = normalized.substring(CHANNELS_ENV.length());
        for (String suffix : longestFirst(true)) {
            if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                return rest.substring(0, rest.length() - suffix.length()).toLowerCase(Locale.ROOT).replace('_', '-');
            }
        }
        return null;
    }

    /** The channel a key like twelvefold.channels.foo.max-attempts names (foo), or null. */
    private String channelOfKey(String key) {
        if (!key.startsWith(CHANNELS_KEY)) {
            return null;
        }
        String rest = key.substring(CHANNELS_KEY.length());
        for (String suffix : longestFirst(false)) {
            if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                return rest.substring(0, rest.length() - suffix.length());
            }
        }
        return null;
    }

    /** The channel key suffixes ({@code _MAX_ATTEMPTS} or {@code .max-attempts}), longest first. */
    private List<String> longestFirst(boolean env) {
        List<String> suffixes = new ArrayList<>();
        for (String key : channelKeys) {
            suffixes.add(env ? "_" + EnvNames.of(key) : "." + key);
        }
        suffixes.sort(Comparator.comparingInt(String::length).reversed());
        return suffixes;
    }
}
