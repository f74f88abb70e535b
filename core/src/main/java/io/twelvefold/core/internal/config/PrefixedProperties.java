package io.twelvefold.core.internal.config;

import io.twelvefold.core.spi.ConfigKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The settings of a transport or an extension: the values under its prefix, from every source. */
final class PrefixedProperties {

    private PrefixedProperties() {
    }

    /**
     * The values of a transport's keys under a prefix, with the prefix removed and defaults filled in.
     */
    static Map<String, String> of(String prefix, List<ConfigKey> keys,
            Map<String, String> env, Map<String, String> sys, Map<String, String> code) {
        List<Setting> settings = new ArrayList<>();
        Map<String, String> result = new TreeMap<>();
        for (ConfigKey key : keys) {
            Setting setting = Setting.of(prefix, key);
            settings.add(setting);
            if (!setting.wildcard() && key.defaultValue() != null) {
                result.put(key.name(), key.defaultValue());
            }
        }
        // environment: the TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS form first, then literal keys as names
        Map<String, String> fromLiteralNames = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                fromLiteralNames.put(e.getKey(), e.getValue());
                continue;
            }
            String key = keyOfEnv(EnvNames.of(e.getKey()), settings);
            if (key != null) {
                putUnlessEmpty(result, key.substring(prefix.length()), e.getValue());
            }
        }
        for (Map<String, String> source : List.of(fromLiteralNames, sys, code)) {
            for (Map.Entry<String, String> e : new TreeMap<>(source).entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    putUnlessEmpty(result, e.getKey().substring(prefix.length()), e.getValue());
                }
            }
        }
        return Collections.unmodifiableMap(result);
    }

    /**
     * The key an environment variable sets among a transport's settings, or null. Under a
     * {@code .*} key the variable's rest becomes lowercase with dots, the form of native client
     * properties: {@code TWELVEFOLD_KAFKA_CLIENT_MAX_POLL_RECORDS} sets {@code client.max.poll.records}.
     */
    static String keyOfEnv(String normalized, List<Setting> settings) {
        for (Setting s : settings) {
            if (!s.wildcard() && s.matchesEnv(normalized)) {
                return s.key();
            }
        }
        for (Setting s : settings) {
            if (s.wildcard() && s.matchesEnv(normalized)) {
                return s.keyPrefix()
                        + normalized.substring(s.envPrefix().length()).toLowerCase(Locale.ROOT).replace('_', '.');
            }
        }
        return null;
    }

    /** An empty value means "not set" in MicroProfile Config: the default stays. */
    static void putUnlessEmpty(Map<String, String> result, String key, String value) {
        if (!value.isEmpty()) {
            result.put(key, value);
        }
    }

    static String prefix(String transport) {
        return "twelvefold." + transport + ".";
    }

    static String channelPrefix(String channel, String transport) {
        return CoreKeys.channelPrefix(channel) + transport + ".";
    }
}
