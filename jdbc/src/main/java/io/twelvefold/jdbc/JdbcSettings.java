package io.twelvefold.jdbc;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The module's settings ({@code twelvefold.jdbc.*}, {@code TWELVEFOLD_JDBC_*}) and the database's URL,
 * checked together: every problem is reported at once, each naming the key and the variable.
 */
record JdbcSettings(DatabaseUrl database, int poolSize, Duration connectionTimeout, boolean migrateAtStart,
        Duration processedRetention, Duration cleanupInterval, boolean relayEnabled, Duration relayPollInterval,
        int relayBatchSize) {

    static final String PREFIX = "twelvefold.jdbc.";
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    static final List<ConfigKey> KEYS = List.of(
            new ConfigKey("pool-size", "int", "10", false, "Most connections the pool opens."),
            new ConfigKey("connection-timeout", "duration", "30s", false,
                    "How long a caller waits for a connection from the pool before failing."),
            new ConfigKey("migrate-at-start", "boolean", "false", false,
                    "Apply the module's schema when the app starts (else run the `migrate` command)."),
            new ConfigKey("processed-retention", "duration", "7d", false,
                    "How long an idempotent consumer remembers a processed event id."),
            new ConfigKey("cleanup-interval", "duration", "1h", false,
                    "How often event ids older than the retention are deleted."),
            new ConfigKey("relay-enabled", "boolean", "true", false,
                    "Whether this instance relays the outbox to the broker."),
            new ConfigKey("relay-poll-interval", "duration", "1s", false,
                    "How often the relay looks at the outbox without a wake-up (NOTIFY or a local commit)."),
            new ConfigKey("relay-batch-size", "int", "500", false, "Most outbox rows the relay publishes per round."));

    static final List<ConfigKey> VARIABLES = List.of(new ConfigKey(DatabaseUrl.VARIABLE, "string", null, true,
            "The database: postgres://user:password@host:5432/db, jdbc:postgresql://... or jdbc:h2:..."));

    /**
     * Reads and checks the settings.
     *
     * @param properties the settings under {@code twelvefold.jdbc.}, defaults filled in
     * @param environment the process's environment, for {@code DATABASE_URL}
     * @param defaultUrl the URL the app declared for when {@code DATABASE_URL} is not set, or null
     * @throws ConfigurationException listing every problem
     */
    static JdbcSettings parse(Map<String, String> properties, Map<String, String> environment, String defaultUrl) {
        Reader r = new Reader(properties);
        DatabaseUrl database = r.database(environment.get(DatabaseUrl.VARIABLE), defaultUrl);
        JdbcSettings s = new JdbcSettings(database, r.positiveInt("pool-size"), r.duration("connection-timeout"),
                r.bool("migrate-at-start"), r.duration("processed-retention"), r.duration("cleanup-interval"),
                r.bool("relay-enabled"), r.duration("relay-poll-interval"), r.positiveInt("relay-batch-size"));
        if (!r.problems.isEmpty()) {
            throw new ConfigurationException(r.problems);
        }
        return s;
    }

    /** @return the environment variable of a key, {@code TWELVEFOLD_JDBC_POOL_SIZE} for {@code pool-size} */
    static String variable(String key) {
        return "TWELVEFOLD_JDBC_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Parses {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d} or ISO-8601 ({@code PT30S}). */
    static Optional<Duration> duration(String value) {
        Matcher m = SIMPLE_DURATION.matcher(value.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return Optional.of(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
        }
        try {
            return Optional.of(Duration.parse(value.strip()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Reads one setting at a time, keeping every problem. */
    private static final class Reader {
        final List<String> problems = new ArrayList<>();
        private final Map<String, String> properties;

        Reader(Map<String, String> properties) {
            this.properties = properties;
        }

        private String raw(String key) {
            String v = properties.get(key);
            if (v != null) {
                return v;
            }
            return KEYS.stream().filter(k -> k.name().equals(key)).findFirst().orElseThrow().defaultValue();
        }

        private void problem(String key, String must, String value) {
            problems.add(PREFIX + key + " (" + variable(key) + ") must be " + must + ", was '" + value + "'");
        }

        int positiveInt(String key) {
            String v = raw(key);
            try {
                int n = Integer.parseInt(v.strip());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            problem(key, "a positive integer", v);
            return 1;
        }

        Duration duration(String key) {
            String v = raw(key);
            Optional<Duration> d = JdbcSettings.duration(v);
            if (d.isPresent() && !d.get().isNegative() && !d.get().isZero()) {
                return d.get();
            }
            problem(key, "a positive duration like '30s'", v);
            return Duration.ofSeconds(1);
        }

        boolean bool(String key) {
            String v = raw(key).strip();
            if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(v);
            }
            problem(key, "'true' or 'false'", v);
            return false;
        }

        DatabaseUrl database(String value, String defaultUrl) {
            String v = value == null || value.isBlank() ? defaultUrl : value;
            if (v == null) {
                problems.add(DatabaseUrl.VARIABLE + " is not set; set it to the database's URL, like"
                        + " 'postgres://user:password@host:5432/db', or declare a default with"
                        + " Jdbc.builder().defaultUrl(\"jdbc:h2:file:./data/app\")");
                return null;
            }
            String[] problem = new String[1];
            Optional<DatabaseUrl> url = DatabaseUrl.parse(v, problem);
            if (url.isEmpty()) {
                problems.add(problem[0]);
                return null;
            }
            return url.get();
        }
    }
}
