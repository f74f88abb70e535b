package io.twelvefold.core;

/**
 * The root of the one unchecked exception family that Twelvefold throws.
 *
 * <p>Subtypes say what went wrong: {@link ConfigurationException} (fix the environment),
 * {@link TransportException} (the broker or the client), {@link ProcessingException} (an event).
 */
public class TwelvefoldException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong and what to fix, never null
     */
    public TwelvefoldException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what went wrong and what to fix, never null
     * @param cause the underlying failure, may be null
     */
    public TwelvefoldException(String message, Throwable cause) {
        super(message, cause);
    }
}
