package io.twelvefold.core;

/**
 * An event could not be processed.
 *
 * <p>A processor may throw it to say whether another attempt can help: a non-retryable
 * processing exception sends the event to the dead-letter destination at once, without retries.
 * Any other exception a processor throws is retried up to the channel's {@code max-attempts},
 * unless its class is declared non-retryable for the channel.
 */
public class ProcessingException extends TwelvefoldException {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    /**
     * Creates a retryable processing exception.
     *
     * @param message what went wrong, never null
     * @param cause the underlying failure, may be null
     */
    public ProcessingException(String message, Throwable cause) {
        this(message, cause, true);
    }

    /**
     * Creates a processing exception.
     *
     * @param message what went wrong, never null
     * @param cause the underlying failure, may be null
     * @param retryable false to dead-letter the event at once
     */
    public ProcessingException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /**
     * Creates a non-retryable processing exception: the event goes to the dead-letter destination at once.
     *
     * @param message why the event can never be processed, never null
     * @return a new exception, never null
     */
    public static ProcessingException fatal(String message) {
        return new ProcessingException(message, null, false);
    }

    /**
     * Whether another attempt may succeed.
     *
     * @return false when the event must be dead-lettered at once
     */
    public boolean retryable() {
        return retryable;
    }
}
