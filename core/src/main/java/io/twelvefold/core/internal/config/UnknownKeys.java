package io.twelvefold.core.internal.config;

import io.twelvefold.core.spi.ConfigKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    private final List<String> problems;

    UnknownKeys(KnownSettings known, SortedSet<String> channels, List<String> problems) {
        this.known = known;
        this.channels = channels;
        this.problems = problems;
    }

    /** Checks environment variable names (not values: those may be secrets). */
    void checkEnvironment(Map<String, String> environment) {
        for (String name : new TreeSet<>(environment.keySet())) {
            String normalized = EnvNames.of(name);
            if (!normalized.startsWith("TWELVEFOLD_") || known.forEnv(normalized) != null) {
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
            if ((!all && !key.startsWith("twelvefold.")) || known.forKey(key) != null) {
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
    private static String channelOfEnv(String normalized) {
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
    private static String channelOfKey(String key) {
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
    private static List<String> longestFirst(boolean env) {
        List<String> suffixes = new ArrayList<>();
        for (ConfigKey key : CoreKeys.CHANNEL) {
            suffixes.add(env ? "_" + EnvNames.of(key.name()) : "." + key.name());
        }
        suffixes.sort(Comparator.comparingInt(String::length).reversed());
        return suffixes;
    }
}
