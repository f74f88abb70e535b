package io.twelvefold.core.internal.config;

import io.twelvefold.core.spi.ConfigKey;
import java.util.Locale;
import java.util.Objects;

/**
 * One configuration key with its full name and environment variable: a line of the configuration
 * manifest, and what the loader checks environment variables and properties against.
 *
 * @param key the full key ({@code twelvefold.channels.orders.max-attempts}); a trailing {@code .*}
 *     accepts any suffix
 * @param envVar the environment variable ({@code TWELVEFOLD_CHANNELS_ORDERS_MAX_ATTEMPTS}); for a
 *     {@code .*} key the variable prefix followed by {@code *}
 * @param type a short type name ({@code string}, {@code int}, {@code duration}, {@code double})
 * @param defaultValue the default, or null when there is none
 * @param secret whether the value must be redacted wherever it is shown
 * @param description one sentence for the manifest
 */
public record Setting(String key, String envVar, String type, String defaultValue, boolean secret,
        String description) {

    /** Validates the components. */
    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(envVar, "envVar");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
    }

    /**
     * The setting of a key relative to a prefix. It is secret when the key says so or when its
     * name looks like a secret (see {@link #isSecretName(String)}).
     *
     * @param prefix the prefix ending with a dot ({@code twelvefold.kafka.}), never null
     * @param key the relative key, never null
     * @return the setting, never null
     */
    public static Setting of(String prefix, ConfigKey key) {
        String full = prefix + key.name();
        String env = full.endsWith(".*")
                ? EnvNames.of(full.substring(0, full.length() - 1)) + "*"
                : EnvNames.of(full);
        return new Setting(full, env, key.type(), key.defaultValue(), key.secret() || isSecretName(full),
                key.description());
    }

    /**
     * Whether a key or environment variable name looks like it holds a secret: it contains
     * {@code password}, {@code secret}, {@code token}, {@code sasl.jaas} or {@code jaas-config},
     * in any case and with any separators.
     *
     * @param name a key or an environment variable name, never null
     * @return true when values under that name must never be shown
     */
    public static boolean isSecretName(String name) {
        String n = EnvNames.of(name).toLowerCase(Locale.ROOT).replace('_', '.');
        return n.contains("password") || n.contains("secret") || n.contains("token")
                || n.contains("sasl.jaas") || n.contains("jaas.config");
    }

    /**
     * Whether this key accepts any suffix (it ends with {@code .*}).
     *
     * @return true for a pass-through key
     */
    public boolean wildcard() {
        return key.endsWith(".*");
    }

    /** For a wildcard: the key without its {@code *}, ending with a dot. */
    String keyPrefix() {
        return key.substring(0, key.length() - 1);
    }

    /** For a wildcard: the environment variable without its {@code *}, ending with {@code _}. */
    String envPrefix() {
        return envVar.substring(0, envVar.length() - 1);
    }

    /** Whether a (normalised) environment variable name sets this key. */
    boolean matchesEnv(String normalizedEnvName) {
        return wildcard()
                ? normalizedEnvName.startsWith(envPrefix()) && normalizedEnvName.length() > envPrefix().length()
                : envVar.equals(normalizedEnvName);
    }

    /** Whether a property key sets this key. */
    boolean matchesKey(String property) {
        return wildcard()
                ? property.startsWith(keyPrefix()) && property.length() > keyPrefix().length()
                : key.equals(property);
    }
}
