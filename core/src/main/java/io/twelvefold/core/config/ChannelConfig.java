package io.twelvefold.core.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The settings of one channel, under {@code twelvefold.channels.<channel>.}. Channels are declared
 * in code; these keys tune them per environment.
 */
public interface ChannelConfig {

    /** @return the broker destination (topic, exchange); defaults to the channel name */
    Optional<String> destination();

    /** @return the consumer group of a subscribed channel; defaults to {@code twelvefold.name} */
    Optional<String> group();

    /**
     * How events travel on this channel's destination: {@code cloudevents} (the default: CloudEvents
     * in the protocol binding's binary mode out; binary or structured mode in) or {@code plain} (the
     * payload alone, for producers and consumers outside Twelvefold: an incoming message gets its id,
     * source, type and time from the broker, the destination and {@link #type()}).
     *
     * @return the format, never null
     */
    @WithDefault("cloudevents")
    String format();

    /**
     * The CloudEvents {@code type} of the events emitted on this channel without a type of their
     * own, and of the plain messages consumed from it; defaults to the payload class as a
     * reverse-DNS name ({@code com.example.orders.OrderPlaced} is {@code com.example.orders.order-placed}).
     *
     * @return the type, or empty for the default
     */
    Optional<String> type();

    /**
     * The CloudEvents {@code source} of the events emitted on this channel without a source of
     * their own (default {@code /<twelvefold.name>}), and of the plain messages consumed from it
     * (default: the destination).
     *
     * @return the source, or empty for the default
     */
    Optional<String> source();

    /** @return how many different keys are processed at the same time (events of one key never are) */
    @WithDefault("8")
    int concurrency();

    /**
     * @return how many events may be delivered and not yet acknowledged; the consumer pauses at this
     *     bound. Events waiting behind a retry delay of their key do not count; they have a bound of
     *     16 times this.
     */
    @WithDefault("256")
    int maxInFlight();

    /** @return attempts before an event is dead-lettered, the first one included (1 disables retries) */
    @WithDefault("5")
    int maxAttempts();

    /** @return the retry backoff */
    BackoffConfig backoff();

    /** @return how retries wait for their backoff */
    RetryConfig retry();

    /**
     * @return where dead letters go; defaults to {@code <destination>.dlq}, except for a destination
     *     that ends with {@code .dlq} (dead letters are terminal); {@code none} for no dead-letter
     *     destination: what would be dead-lettered stays unacknowledged
     */
    Optional<String> deadLetterDestination();

    /** @return the largest payload accepted, in bytes; larger ones are dead-lettered unprocessed */
    @WithDefault("1048576")
    int maxPayloadSize();

    /** @return the time one attempt should take at most; see {@code ProcessorContext.deadline()} */
    @WithDefault("30s")
    Duration processingTimeout();

    /**
     * @return while the attempts of this channel take less than this on average, they run on the
     *     transport's delivery thread (on transports that allow it) instead of being handed to a
     *     worker thread; {@code 0} for never. See the delivery documentation for the trade-off.
     */
    @WithDefault("200us")
    Duration inlineBelow();

    /** Exponential backoff with jitter between attempts: {@code min(max, initial * multiplier^(attempt-1))} plus or minus the jitter fraction. */
    interface BackoffConfig {
        /** @return the delay before the second attempt */
        @WithDefault("100ms")
        Duration initial();

        /** @return the longest delay */
        @WithDefault("30s")
        Duration max();

        /** @return the factor between two consecutive delays, at least 1 */
        @WithDefault("2.0")
        double multiplier();

        /** @return the random spread of each delay, a fraction in [0, 1] */
        @WithDefault("0.2")
        double jitter();
    }

    /** Where a retry waits for its backoff: in the process (the default) or on the broker. */
    interface RetryConfig {
        /**
         * @return the shortest backoff for which a retry is handed to the broker (the message is
         *     stored again with that delay and acknowledged) instead of waiting in the process, on
         *     transports that can redeliver later; empty (the default) for never
         */
        Optional<Duration> brokerDelayFrom();
    }
}
