package io.twelvefold.core.internal.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting the loader knows, indexed by key and by environment variable, with "did you mean"
 * suggestions by edit distance. Immutable once built.
 */
final class KnownSettings {

    private final Map<String, Setting> byKey = new LinkedHashMap<>();
    private final Map<String, Setting> byEnv = new LinkedHashMap<>();
    private final List<Setting> wildcards = new ArrayList<>();

    /**
     * @param settings the settings; a key listed twice (two providers with one name) counts once
     * @param problems gets a line for two keys that read the same environment variable
     */
    KnownSettings(List<Setting> settings, List<String> problems) {
        for (Setting setting : settings) {
            if (byKey.putIfAbsent(setting.key(), setting) != null) {
                continue;
            }
            if (setting.wildcard()) {
                wildcards.add(setting);
                continue;
            }
            Setting other = byEnv.putIfAbsent(setting.envVar(), setting);
            if (other != null) {
                problems.add("Keys '" + other.key() + "' and '" + setting.key()
                        + "' both read environment variable '" + setting.envVar()
                        + "'; rename a channel so that they differ");
            }
        }
    }

    /** The setting an environment variable sets (its name normalised), or null. */
    Setting forEnv(String normalizedEnvName) {
        Setting exact = byEnv.get(normalizedEnvName);
        if (exact != null) {
            return exact;
        }
        for (Setting wildcard : wildcards) {
            if (wildcard.matchesEnv(normalizedEnvName)) {
                return wildcard;
            }
        }
        return null;
    }

    /** The setting a property key sets, or null. */
    Setting forKey(String key) {
        Setting exact = byKey.get(key);
        if (exact != null && !exact.wildcard()) {
            return exact;
        }
        for (Setting wildcard : wildcards) {
            if (wildcard.matchesKey(key)) {
                return wildcard;
            }
        }
        return null;
    }

    /** The known environment variable nearest to an unknown one, or null when none is near. */
    String nearestEnv(String normalizedEnvName) {
        return nearest(normalizedEnvName, byEnv.keySet());
    }

    /** The known key nearest to an unknown one, or null when none is near. */
    String nearestKey(String key) {
        List<String> exact = new ArrayList<>();
        for (Setting s : byKey.values()) {
            if (!s.wildcard()) {
                exact.add(s.key());
            }
        }
        return nearest(key, exact);
    }

    private static String nearest(String name, Iterable<String> candidates) {
        // "twelvefold." / "TWELVEFOLD_" is common to all: only the rest says how far apart they are
        int allowed = Math.max(2, (name.length() - "twelvefold.".length()) / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(name, candidate);
            if (d < bestDistance || (d == bestDistance && candidate.compareTo(best) < 0)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= allowed ? best : null;
    }

    /** The Levenshtein distance: insertions, deletions and substitutions. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
