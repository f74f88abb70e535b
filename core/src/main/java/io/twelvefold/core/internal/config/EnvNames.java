package io.twelvefold.core.internal.config;

import java.util.Locale;

/**
 * The MicroProfile Config rule between configuration keys and environment variable names:
 * {@code twelvefold.channels.jedi-commands.max-attempts} is
 * {@code TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS}.
 *
 * <p>Stateless and thread-safe.
 */
public final class EnvNames {

    private EnvNames() {
    }

    /**
     * The environment variable for a key: every character other than an ASCII letter or digit
     * becomes {@code _}, then everything is upper-cased. Applied to an environment variable name
     * it normalises it ({@code twelvefold.name} and {@code twelvefold_name} both give
     * {@code TWELVEFOLD_NAME}), which is how SmallRye matches variables to keys.
     *
     * @param key a configuration key (or a variable name), never null
     * @return the environment variable name, never null
     */
    public static String of(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            sb.append(alphanumeric ? c : '_');
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }
}
