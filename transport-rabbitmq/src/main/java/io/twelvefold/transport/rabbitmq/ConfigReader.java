package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.spi.ConfigKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the values of a set of keys, with the defaults of their {@link ConfigKey}s, and collects a
 * problem line in house style for every invalid one ({@code <key> (<ENV_VAR>) must be ..., was '<value>'}).
 * Not thread-safe: one reader per reading.
 */
final class ConfigReader {
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    /** The longest name AMQP 0-9-1 allows for an exchange, a queue or a routing key, in bytes. */
    static final int MAX_NAME_BYTES = 255;

    private final Map<String, String> properties;
    private final List<ConfigKey> keys;
    private final Function<String, String> describe;
    private final List<String> problems;

    /**
     * @param properties the values, by key relative to the keys' prefix
     * @param keys the keys, for their defaults
     * @param describe a key as shown in a problem: its full name and environment variable
     * @param problems where the problems go
     */
    ConfigReader(Map<String, String> properties, List<ConfigKey> keys, Function<String, String> describe,
            List<String> problems) {
        this.properties = properties;
        this.keys = keys;
        this.describe = describe;
        this.problems = problems;
    }

    /** The key as shown in a problem. */
    String describe(String key) {
        return describe.apply(key);
    }

    /** Adds a problem. */
    void problem(String problem) {
        problems.add(problem);
    }

    /** @return the value stripped, or null when unset or blank (MicroProfile Config's "not set") */
    String optional(String key) {
        String value = raw(key);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** @return the value as given, or its default, or null */
    String raw(String key) {
        String value = properties.get(key);
        return value != null ? value : defaultOf(key);
    }

    String nonBlank(String key) {
        String value = raw(key);
        if (value == null || value.isBlank()) {
            problems.add(describe(key) + " must not be blank, was '" + (value == null ? "" : value) + "'");
            return "";
        }
        return value.strip();
    }

    /**
     * An AMQP name (exchange, queue, routing key), or null when unset.
     *
     * @param key the key
     * @return the name, never longer than AMQP allows (else a problem and null)
     */
    String name(String key) {
        String value = optional(key);
        if (value != null && value.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            problems.add(describe(key) + " must be at most " + MAX_NAME_BYTES + " bytes long (AMQP 0-9-1), was '"
                    + value + "'");
            return null;
        }
        return value;
    }

    /** An amqp:// or amqps:// URI with a host; the problem shows it without its password. */
    URI uri(String key) {
        String value = raw(key);
        String shown = value == null ? "" : RabbitMqConfig.redact(value);
        try {
            URI uri = new URI(value == null ? "" : value.strip());
            String scheme = uri.getScheme();
            if (scheme != null && (scheme.equalsIgnoreCase("amqp") || scheme.equalsIgnoreCase("amqps"))
                    && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        problems.add(describe(key) + " must be a URI like 'amqp://user:password@host:5672/vhost' (or amqps://), was '"
                + shown + "'");
        return null;
    }

    int integer(String key, int min, int max) {
        String value = raw(key);
        try {
            int n = Integer.parseInt(value == null ? "" : value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(describe(key) + " must be an integer " + (max == Integer.MAX_VALUE
                ? "of at least " + min : "from " + min + " to " + max) + ", was '" + value + "'");
        return min;
    }

    boolean bool(String key) {
        String value = raw(key);
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        problems.add(describe(key) + " must be true or false, was '" + value + "'");
        return false;
    }

    /** One of an enum's constants, written in lower case with dashes ({@code single-active-consumer}). */
    <E extends Enum<E>> E choice(String key, Class<E> type) {
        String value = raw(key);
        String v = value == null ? "" : value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(v)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        problems.add(describe(key) + " must be one of " + String.join(", ", names) + ", was '" + value + "'");
        return type.getEnumConstants()[0];
    }

    /** A positive duration: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} or ISO-8601. */
    Duration duration(String key) {
        String value = raw(key);
        String v = value == null ? "" : value.strip();
        Duration d = null;
        Matcher m = SHORT_DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } else {
            try {
                d = Duration.parse(v);
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        if (d == null || d.isNegative() || d.isZero()) {
            problems.add(describe(key) + " must be a positive duration like '30s', was '" + value + "'");
            return Duration.ofSeconds(1);
        }
        return d;
    }

    /** A duration as users write it: {@code 500ms}, {@code 5s}, {@code 2m}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private String defaultOf(String key) {
        for (ConfigKey k : keys) {
            if (k.name().equals(key)) {
                return k.defaultValue();
            }
        }
        throw new IllegalArgumentException("undeclared key " + key);
    }

    /**
     * The environment variable of a key, by the MicroProfile Config rule: every character other than
     * an ASCII letter or digit becomes {@code _}, then upper case.
     *
     * @param key a full key, such as {@code twelvefold.channels.jedi-commands.rabbitmq.queue}
     * @return {@code TWELVEFOLD_CHANNELS_JEDI_COMMANDS_RABBITMQ_QUEUE}
     */
    static String environmentVariable(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            sb.append(alphanumeric ? c : '_');
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }
}
