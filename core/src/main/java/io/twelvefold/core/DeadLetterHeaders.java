package io.twelvefold.core;

/**
 * The headers a dead letter carries besides the original message's own key, attributes, headers
 * and payload bytes, which are kept unchanged so the message can be replayed as it was.
 *
 * <p>Times are ISO-8601 instants in UTC.
 */
public final class DeadLetterHeaders {
    /** Why: {@code exhausted} (every attempt failed), {@code fatal} (a non-retryable exception), {@code undecodable}, {@code oversize}, {@code invalid} (a required attribute is missing or malformed). */
    public static final String REASON = "twelvefold-dlq-reason";
    /** The channel whose processor gave up. */
    public static final String CHANNEL = "twelvefold-dlq-channel";
    /** The consumer group that gave up. */
    public static final String GROUP = "twelvefold-dlq-group";
    /** The destination the message was read from. */
    public static final String ORIGINAL_DESTINATION = "twelvefold-dlq-original-destination";
    /** The partition it was read from (0 when unpartitioned). */
    public static final String ORIGINAL_PARTITION = "twelvefold-dlq-original-partition";
    /** Its offset in that partition, or the broker's delivery tag. */
    public static final String ORIGINAL_OFFSET = "twelvefold-dlq-original-offset";
    /** The class of the last exception. */
    public static final String EXCEPTION_CLASS = "twelvefold-dlq-exception-class";
    /** The message of the last exception (first 1,000 characters). */
    public static final String EXCEPTION_MESSAGE = "twelvefold-dlq-exception-message";
    /** How many attempts were made (0 when the message was rejected before processing). */
    public static final String ATTEMPTS = "twelvefold-dlq-attempts";
    /** When the first attempt failed. */
    public static final String FIRST_FAILURE = "twelvefold-dlq-first-failure";
    /** When the last attempt failed. */
    public static final String LAST_FAILURE = "twelvefold-dlq-last-failure";

    /**
     * How many times {@code dlq replay} sent this event back (1 after the first replay). Not a
     * {@code twelvefold-dlq-*} header: a replay keeps it, and a dead letter of a replayed event
     * carries it, so that {@code --max-replays} can skip an event that keeps failing.
     */
    public static final String REPLAY_COUNT = "twelvefold-replay-count";

    /** The prefix of the headers a dead letter adds, which a replay removes. */
    public static final String PREFIX = "twelvefold-dlq-";

    private DeadLetterHeaders() {
    }
}
