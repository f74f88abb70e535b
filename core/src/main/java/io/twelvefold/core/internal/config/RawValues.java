package io.twelvefold.core.internal.config;

import io.smallrye.config.EnvConfigSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The raw value of a core key before conversion: the value of the highest-ordinal MicroProfile
 * config source that has the key (code overrides 500, system properties 400, the environment 300,
 * defaults in code 100), else the key's default.
 */
final class RawValues implements java.util.function.Function<String, String> {

    static final int OVERRIDES_ORDINAL = 500;
    static final int SYSTEM_PROPERTIES_ORDINAL = 400;
    static final int ENVIRONMENT_ORDINAL = 300;
    static final int CODE_DEFAULTS_ORDINAL = 100;

    private final List<ConfigSource> sources;

    RawValues(Map<String, String> env, Map<String, String> sys, Map<String, String> code,
            Map<String, String> defaults) {
        this.sources = List.of(
                new MapSource(code, "overrides", OVERRIDES_ORDINAL),
                new MapSource(sys, "system properties", SYSTEM_PROPERTIES_ORDINAL),
                new EnvConfigSource(env, ENVIRONMENT_ORDINAL),
                new MapSource(defaults, "defaults in code", CODE_DEFAULTS_ORDINAL));
    }

    @Override
    public String apply(String key) {
        return get(key);
    }

    /** The value of the highest-priority source, else the key's default (null when none). */
    String get(String key) {
        for (ConfigSource source : sources) {
            String value = source.getValue(key);
            if (value != null) {
                return value;
            }
        }
        if (key.startsWith("twelvefold.channels.")) {
            String rest = key.substring("twelvefold.channels.".length());
            return CoreKeys.defaultOf(CoreKeys.CHANNEL, rest.substring(rest.indexOf('.') + 1));
        }
        return CoreKeys.defaultOf(CoreKeys.GLOBAL, key.substring("twelvefold.".length()));
    }

    static Map<String, String> withoutNulls(Map<String, String> map) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
                copy.put(e.getKey(), e.getValue());
            }
        }
        return copy;
    }

    /**
     * A config source over a map. SmallRye's {@code PropertiesConfigSource} would do, but it
     * formats its name with {@code String.format}, whose first call costs several ms of class
     * loading on the start path.
     */
    static final class MapSource implements ConfigSource {
        private final Map<String, String> values;
        private final String name;
        private final int ordinal;

        MapSource(Map<String, String> values, String name, int ordinal) {
            this.values = values;
            this.name = name;
            this.ordinal = ordinal;
        }

        @Override
        public Set<String> getPropertyNames() {
            return values.keySet();
        }

        @Override
        public String getValue(String propertyName) {
            return values.get(propertyName);
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public int getOrdinal() {
            return ordinal;
        }
    }
}
