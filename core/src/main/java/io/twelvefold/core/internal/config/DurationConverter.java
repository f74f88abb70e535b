package io.twelvefold.core.internal.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * Converts {@code 200us}, {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, {@code 1d} and ISO-8601
 * ({@code PT30S}) to a {@link Duration}; a bare {@code 0} is zero. Signs are accepted (validation rejects negative values
 * with a better message than a converter can give). Stateless and thread-safe.
 */
final class DurationConverter implements Converter<Duration> {
    private static final long serialVersionUID = 1L;

    @Override
    public Duration convert(String value) {
        // MicroProfile: a converter maps an empty value to null ("not set").
        return value == null || value.isBlank() ? null : parse(value);
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException when the value is not a duration; the caller names the
     *     property in its problem
     */
    static Duration parse(String value) {
        String s = value.strip();
        try {
            if (s.startsWith("P") || s.startsWith("p") || s.startsWith("-P") || s.startsWith("+P")) {
                return Duration.parse(s);
            }
            // [-+]?[0-9]+(us|ms|s|m|h|d), read by hand: this runs on every start, a regex costs more
            int digits = s.startsWith("-") || s.startsWith("+") ? 1 : 0;
            int end = digits;
            while (end < s.length() && s.charAt(end) >= '0' && s.charAt(end) <= '9') {
                end++;
            }
            if (end == s.length() && end > digits && Long.parseLong(s.substring(digits)) == 0) {
                return Duration.ZERO; // a bare 0 needs no unit
            }
            if (end > digits) {
                long amount = Long.parseLong(s.substring(0, end));
                switch (s.substring(end)) {
                    case "us": return Duration.ofNanos(Math.multiplyExact(amount, 1000L));
                    case "ms": return Duration.ofMillis(amount);
                    case "s": return Duration.ofSeconds(amount);
                    case "m": return Duration.ofMinutes(amount);
                    case "h": return Duration.ofHours(amount);
                    case "d": return Duration.ofDays(amount);
                    default: break;
                }
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            // falls through to the message below: too large, or malformed ISO-8601
        } catch (NumberFormatException e) {
            // more digits than a long holds
        }
        throw new IllegalArgumentException("'" + value + "' is not a duration like 500ms, 30s, 2m, 1h, 1d or PT30S");
    }
}
