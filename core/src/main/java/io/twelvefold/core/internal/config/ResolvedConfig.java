package io.twelvefold.core.internal.config;

import io.twelvefold.core.config.ChannelConfig;
import io.twelvefold.core.config.TwelvefoldConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@link TwelvefoldConfig} as {@link ConfigLoader} reads it: plain values, filled by direct typed
 * lookups once every value is known to be valid, instead of a {@code @ConfigMapping}
 * implementation that SmallRye would generate at run time. Immutable and thread-safe.
 *
 * @param transport the transport's name
 * @param name the application's name
 * @param shutdownTimeout how long a graceful stop waits
 * @param startTimeout how long a start keeps trying to reach the broker
 * @param warmUp whether the start-up warm-up runs
 * @param channels an unmodifiable map with an entry per declared channel
 * @param metrics the meters besides Twelvefold's own
 */
record ResolvedConfig(String transport, String name, Duration shutdownTimeout, Duration startTimeout,
        boolean warmUp, Map<String, ChannelConfig> channels, MetricsConfig metrics) implements TwelvefoldConfig {

    /** {@link TwelvefoldConfig.MetricsConfig} with its values. */
    record Metrics(boolean jvm) implements TwelvefoldConfig.MetricsConfig {
    }

    /** {@link ChannelConfig} with its values. */
    record Channel(Optional<String> destination, Optional<String> group, String format, Optional<String> type,
            Optional<String> source, int concurrency, int maxInFlight,
            int maxAttempts, BackoffConfig backoff, RetryConfig retry, Optional<String> deadLetterDestination,
            int maxPayloadSize,
            Duration processingTimeout, Duration inlineBelow) implements ChannelConfig {
    }

    /** {@link ChannelConfig.RetryConfig} with its values. */
    record Retry(Optional<Duration> brokerDelayFrom) implements ChannelConfig.RetryConfig {
    }

    /** {@link ChannelConfig.BackoffConfig} with its values. */
    record Backoff(Duration initial, Duration max, double multiplier, double jitter)
            implements ChannelConfig.BackoffConfig {
    }
}
