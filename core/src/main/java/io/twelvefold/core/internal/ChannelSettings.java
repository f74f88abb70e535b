package io.twelvefold.core.internal;

import io.twelvefold.core.config.ChannelConfig;
import io.twelvefold.core.internal.dispatch.RetryPolicy;
import io.twelvefold.core.spi.SubscriptionRequest;
import java.time.Duration;
import java.util.Map;

/**
 * The resolved settings of one channel, with defaults that depend on other settings filled in.
 *
 * @param channel the channel name
 * @param destination the broker destination
 * @param group the consumer group
 * @param concurrency the number of keys processed at once
 * @param maxInFlight delivered-and-unacknowledged bound
 * @param maxAttempts attempts before dead-lettering
 * @param backoffInitial the first retry delay
 * @param backoffMax the longest retry delay
 * @param backoffMultiplier the growth factor
 * @param backoffJitter the random spread fraction
 * @param deadLetterDestination where dead letters go, or null for none (the channel reads dead
 *     letters, or its {@code dead-letter-destination} is {@code none}): what would be dead-lettered
 *     stays unacknowledged
 * @param maxPayloadSize the largest payload accepted
 * @param processingTimeout the deadline of one attempt
 * @param brokerDelayFrom the shortest backoff handed to the broker, or null for never
 * @param inlineBelow attempts shorter than this on average run on the delivery thread, where the
 *     transport allows it; zero for never
 * @param format how events travel on the destination
 * @param type the CloudEvents type of emitted events without one and of plain input, or null for the default
 * @param source the CloudEvents source of emitted events without one and of plain input, or null for the default
 * @param options the channel's settings for the transport, immutable
 */
public record ChannelSettings(String channel, String destination, String group, int concurrency, int maxInFlight,
        int maxAttempts, Duration backoffInitial, Duration backoffMax, double backoffMultiplier, double backoffJitter,
        String deadLetterDestination, int maxPayloadSize, Duration processingTimeout, Duration brokerDelayFrom,
        Duration inlineBelow, Format format, String type, String source, Map<String, String> options) {

    /** The value of {@code dead-letter-destination} that gives a channel no dead-letter destination. */
    public static final String NO_DEAD_LETTERS = "none";
    /** The suffix of a default dead-letter destination. */
    private static final String DEAD_LETTER_SUFFIX = ".dlq";

    /** The default of {@code inline-below}. */
    private static final Duration DEFAULT_INLINE_BELOW = Duration.ofNanos(200_000);

    /** How events travel on a channel's destination ({@code twelvefold.channels.<channel>.format}). */
    public enum Format {
        /** CloudEvents: binary content mode out, binary or structured mode in. */
        CLOUDEVENTS,
        /** The payload alone; attributes of incoming messages derived from the broker. */
        PLAIN;

        /**
         * @param value {@code cloudevents} or {@code plain}, any case, validated before
         * @return the format
         */
        static Format of(String value) {
            return "plain".equalsIgnoreCase(value.strip()) ? PLAIN : CLOUDEVENTS;
        }
    }

    /** Copies the options. */
    public ChannelSettings {
        options = Map.copyOf(options);
    }

    /**
     * Settings of a CloudEvents channel without transport options.
     *
     * @param channel the channel name
     * @param destination the broker destination
     * @param group the consumer group
     * @param concurrency the number of keys processed at once
     * @param maxInFlight delivered-and-unacknowledged bound
     * @param maxAttempts attempts before dead-lettering
     * @param backoffInitial the first retry delay
     * @param backoffMax the longest retry delay
     * @param backoffMultiplier the growth factor
     * @param backoffJitter the random spread fraction
     * @param deadLetterDestination where dead letters go
     * @param maxPayloadSize the largest payload accepted
     * @param processingTimeout the deadline of one attempt
     * @param brokerDelayFrom the shortest backoff handed to the broker, or null for never
     * @param inlineBelow attempts shorter than this on average run on the delivery thread
     */
    public ChannelSettings(String channel, String destination, String group, int concurrency, int maxInFlight,
            int maxAttempts, Duration backoffInitial, Duration backoffMax, double backoffMultiplier,
            double backoffJitter, String deadLetterDestination, int maxPayloadSize, Duration processingTimeout,
            Duration brokerDelayFrom, Duration inlineBelow) {
        this(channel, destination, group, concurrency, maxInFlight, maxAttempts, backoffInitial, backoffMax,
                backoffMultiplier, backoffJitter, deadLetterDestination, maxPayloadSize, processingTimeout,
                brokerDelayFrom, inlineBelow, Format.CLOUDEVENTS, null, null, Map.of());
    }

    /**
     * Settings with the default {@code inline-below}.
     *
     * @param channel the channel name
     * @param destination the broker destination
     * @param group the consumer group
     * @param concurrency the number of keys processed at once
     * @param maxInFlight delivered-and-unacknowledged bound
     * @param maxAttempts attempts before dead-lettering
     * @param backoffInitial the first retry delay
     * @param backoffMax the longest retry delay
     * @param backoffMultiplier the growth factor
     * @param backoffJitter the random spread fraction
     * @param deadLetterDestination where dead letters go
     * @param maxPayloadSize the largest payload accepted
     * @param processingTimeout the deadline of one attempt
     * @param brokerDelayFrom the shortest backoff handed to the broker, or null for never
     */
    public ChannelSettings(String channel, String destination, String group, int concurrency, int maxInFlight,
            int maxAttempts, Duration backoffInitial, Duration backoffMax, double backoffMultiplier,
            double backoffJitter, String deadLetterDestination, int maxPayloadSize, Duration processingTimeout,
            Duration brokerDelayFrom) {
        this(channel, destination, group, concurrency, maxInFlight, maxAttempts, backoffInitial, backoffMax,
                backoffMultiplier, backoffJitter, deadLetterDestination, maxPayloadSize, processingTimeout,
                brokerDelayFrom, DEFAULT_INLINE_BELOW);
    }

    /**
     * Settings whose retries all wait in the process.
     *
     * @param channel the channel name
     * @param destination the broker destination
     * @param group the consumer group
     * @param concurrency the number of keys processed at once
     * @param maxInFlight delivered-and-unacknowledged bound
     * @param maxAttempts attempts before dead-lettering
     * @param backoffInitial the first retry delay
     * @param backoffMax the longest retry delay
     * @param backoffMultiplier the growth factor
     * @param backoffJitter the random spread fraction
     * @param deadLetterDestination where dead letters go
     * @param maxPayloadSize the largest payload accepted
     * @param processingTimeout the deadline of one attempt
     */
    public ChannelSettings(String channel, String destination, String group, int concurrency, int maxInFlight,
            int maxAttempts, Duration backoffInitial, Duration backoffMax, double backoffMultiplier,
            double backoffJitter, String deadLetterDestination, int maxPayloadSize, Duration processingTimeout) {
        this(channel, destination, group, concurrency, maxInFlight, maxAttempts, backoffInitial, backoffMax,
                backoffMultiplier, backoffJitter, deadLetterDestination, maxPayloadSize, processingTimeout, null);
    }

    /**
     * Resolves a channel's configuration.
     *
     * @param channel the channel name
     * @param c its configuration
     * @param appName {@code twelvefold.name}, the default group
     * @param options the channel's settings for the transport
     * @return the settings
     */
    public static ChannelSettings of(String channel, ChannelConfig c, String appName, Map<String, String> options) {
        String destination = c.destination().orElse(channel);
        return new ChannelSettings(channel, destination, c.group().orElse(appName), c.concurrency(),
                c.maxInFlight(), c.maxAttempts(), c.backoff().initial(), c.backoff().max(),
                c.backoff().multiplier(), c.backoff().jitter(),
                deadLetterDestination(destination, c.deadLetterDestination().orElse(null)), c.maxPayloadSize(),
                c.processingTimeout(),
                c.retry().brokerDelayFrom().orElse(null), c.inlineBelow(), Format.of(c.format()),
                c.type().orElse(null), c.source().orElse(null), options);
    }

    /**
     * A channel's dead-letter destination: the configured one; {@code none} for none; by default
     * {@code <destination>.dlq}, except for a destination that ends with {@code .dlq} (it holds dead
     * letters, which are terminal): none.
     *
     * @param destination the channel's destination
     * @param configured {@code dead-letter-destination}, or null when unset
     * @return the dead-letter destination, or null for none
     */
    public static String deadLetterDestination(String destination, String configured) {
        if (configured != null) {
            return configured.strip().equalsIgnoreCase(NO_DEAD_LETTERS) ? null : configured;
        }
        return destination.endsWith(DEAD_LETTER_SUFFIX) ? null : destination + DEAD_LETTER_SUFFIX;
    }

    /** @return whether the channel has a dead-letter destination */
    public boolean deadLetters() {
        return deadLetterDestination != null;
    }

    /** @return the dead-letter destination, or {@code none (terminal)} for a channel without one, for messages */
    public String deadLetterDescription() {
        return deadLetters() ? deadLetterDestination : NO_DEAD_LETTERS + " (terminal)";
    }

    /**
     * The subscription the channel's processor opens: with whether it has dead letters and the
     * delays of its broker retries ({@link RetryPolicy#brokerRetries}).
     *
     * @return the request, never null
     */
    public SubscriptionRequest subscriptionRequest() {
        return new SubscriptionRequest(channel, destination, group, maxInFlight, options, deadLetters(),
                RetryPolicy.brokerRetries(this));
    }
}
