package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.ProcessingException;

/** A message that can never be processed, with the dead-letter reason to record. */
final class PoisonException extends ProcessingException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    PoisonException(String reason, String message, Throwable cause) {
        super(message, cause, false);
        this.reason = reason;
    }

    String reason() {
        return reason;
    }
}
