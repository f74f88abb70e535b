package io.twelvefold.core;

/** The transport or its broker failed: not reachable, refused a send, or is not available. */
public class TransportException extends TwelvefoldException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong and what to fix, never null
     */
    public TransportException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what went wrong and what to fix, never null
     * @param cause the underlying failure, may be null
     */
    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
