package io.twelvefold.core.internal.config;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks the values of the core keys before they are read with their types, so that every bad
 * value gets one line in house style (naming the key and the environment variable) whatever else
 * is wrong. Not thread-safe: one instance per load.
 */
final class ValueValidator {

    private final Function<String, String> values;
    private final List<String> problems;
    /** The keys that got a problem line: one line per key. */
    private final Set<String> badKeys = new LinkedHashSet<>();

    /**
     * @param values the effective raw value of a full key (the default when no source sets it,
     *     null when it has none)
     * @param problems where problem lines go
     */
    ValueValidator(Function<String, String> values, List<String> problems) {
        this.values = values;
        this.problems = problems;
    }

    void validate(Collection<String> channels) {
        String name = values.apply("twelvefold.name");
        if (name == null || name.isBlank()) {
            report("twelvefold.name", "must not be blank", name == null ? "" : name);
        }
        positiveDuration("twelvefold.shutdown-timeout");
        nonNegativeDuration("twelvefold.start-timeout", "60s");
        bool("twelvefold.warm-up");
        bool("twelvefold.metrics.jvm");
        for (String channel : channels) {
            channel(CoreKeys.channelPrefix(channel));
        }
    }

    private void channel(String p) {
        oneOf(p + "format", "cloudevents", "plain");
        Integer concurrency = positiveInt(p + "concurrency");
        Integer maxInFlight = positiveInt(p + "max-in-flight");
        if (concurrency != null && maxInFlight != null && maxInFlight < concurrency) {
            report(p + "max-in-flight", "must be at least " + p + "concurrency (" + concurrency + ")",
                    values.apply(p + "max-in-flight"));
        }
        positiveInt(p + "max-attempts");
        Duration initial = positiveDuration(p + "backoff.initial");
        Duration max = positiveDuration(p + "backoff.max");
        if (initial != null && max != null && max.compareTo(initial) < 0) {
            report(p + "backoff.max", "must be at least " + p + "backoff.initial ("
                    + values.apply(p + "backoff.initial").strip() + ")", values.apply(p + "backoff.max"));
        }
        backoffFactors(p);
        String brokerDelayFrom = values.apply(p + "retry.broker-delay-from");
        if (brokerDelayFrom != null && !brokerDelayFrom.isBlank()) {
            Duration from = positiveDuration(p + "retry.broker-delay-from");
            if (from != null && max != null && from.compareTo(max) > 0) {
                // no backoff would ever reach it: broker-side retries would silently never happen
                report(p + "retry.broker-delay-from", "must be at most " + p + "backoff.max ("
                        + values.apply(p + "backoff.max").strip() + ")", brokerDelayFrom);
            }
        }
        positiveInt(p + "max-payload-size");
        positiveDuration(p + "processing-timeout");
        inlineBelow(p + "inline-below");
    }

    /** The backoff's multiplier and jitter. */
    private void backoffFactors(String p) {
        Double multiplier = number(p + "backoff.multiplier");
        if (multiplier != null && !(multiplier >= 1)) {
            report(p + "backoff.multiplier", "must be a number of at least 1 like '2.0'",
                    values.apply(p + "backoff.multiplier"));
        }
        Double jitter = number(p + "backoff.jitter");
        if (jitter != null && !(jitter >= 0 && jitter <= 1)) {
            report(p + "backoff.jitter", "must be a number between 0 and 1 like '0.2'",
                    values.apply(p + "backoff.jitter"));
        }
    }

    private Integer positiveInt(String key) {
        String raw = values.apply(key);
        try {
            int value = Integer.parseInt(raw.strip());
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, like a value out of range
        }
        report(key, "must be an integer of at least 1", raw);
        return null;
    }

    private Duration positiveDuration(String key) {
        String raw = values.apply(key);
        try {
            Duration value = DurationConverter.parse(raw);
            if (!value.isNegative() && !value.isZero()) {
                return value;
            }
        } catch (IllegalArgumentException e) {
            // reported below, like a value out of range
        }
        report(key, "must be a positive duration like '" + exampleDuration(key) + "'", raw);
        return null;
    }

    private void nonNegativeDuration(String key, String example) {
        String raw = values.apply(key);
        try {
            if (!DurationConverter.parse(raw).isNegative()) {
                return;
            }
        } catch (IllegalArgumentException e) {
            // reported below, like a negative value
        }
        report(key, "must be a duration like '" + example + "' (0 for none)", raw);
    }

    private void bool(String key) {
        String raw = values.apply(key);
        String v = raw.strip().toLowerCase(java.util.Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            report(key, "must be 'true' or 'false'", raw);
        }
    }

    private void oneOf(String key, String... allowed) {
        String raw = values.apply(key);
        String v = raw.strip().toLowerCase(java.util.Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return;
            }
        }
        report(key, "must be one of " + String.join(", ", allowed), raw);
    }

    /** From 0 (never) to a minute: beyond that no attempt belongs on a transport's thread anyway. */
    private void inlineBelow(String key) {
        String raw = values.apply(key);
        try {
            Duration value = DurationConverter.parse(raw);
            if (!value.isNegative() && value.compareTo(Duration.ofMinutes(1)) <= 0) {
                return;
            }
        } catch (IllegalArgumentException e) {
            // reported below, like a value out of range
        }
        report(key, "must be a duration from 0 to 1m like '200us' (0 for never)", raw);
    }

    /** A parsed number, or null after reporting one that is not a number. */
    private Double number(String key) {
        String raw = values.apply(key);
        try {
            return Double.parseDouble(raw.strip());
        } catch (NumberFormatException e) {
            String example = key.endsWith("jitter") ? "a number between 0 and 1 like '0.2'"
                    : "a number of at least 1 like '2.0'";
            report(key, "must be " + example, raw);
            return null;
        }
    }

    private static String exampleDuration(String key) {
        if (key.endsWith("backoff.initial")) {
            return "100ms";
        }
        return key.endsWith("retry.broker-delay-from") ? "10s" : "30s";
    }

    private void report(String key, String problem, String raw) {
        if (badKeys.add(key)) {
            problems.add(line(key, problem, raw));
        }
    }

    /** {@code <key> (<ENV>) <problem>, was '<value>'}, the value redacted for a secret key. */
    static String line(String key, String problem, String raw) {
        String shown = Setting.isSecretName(key) ? "<redacted>" : raw;
        return key + " (" + EnvNames.of(key) + ") " + problem + ", was '" + shown + "'";
    }
}
