package io.twelvefold.core.internal.dlq;

import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.StoredMessage;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/** A stored dead letter, read through its {@link DeadLetterHeaders}. Immutable. */
final class DeadLetter {
    private static final String NONE = "-";

    private final StoredMessage stored;

    DeadLetter(StoredMessage stored) {
        this.stored = stored;
    }

    StoredMessage stored() {
        return stored;
    }

    String header(String name) {
        return stored.headers().get(name);
    }

    /** @return the header, or "-" when it is missing */
    String show(String name) {
        String v = header(name);
        return v == null ? NONE : v;
    }

    /** @return the event id (the CloudEvents id), or null */
    String id() {
        return stored.attributes().get("id");
    }

    String channel() {
        return show(DeadLetterHeaders.CHANNEL);
    }

    String reason() {
        return show(DeadLetterHeaders.REASON);
    }

    String exceptionClass() {
        return show(DeadLetterHeaders.EXCEPTION_CLASS);
    }

    /** @return when the last attempt failed, or null when the header is missing or malformed */
    Instant lastFailure() {
        return instant(header(DeadLetterHeaders.LAST_FAILURE));
    }

    /** @return how many times it was replayed before; 0 when never */
    int replays() {
        try {
            String v = header(DeadLetterHeaders.REPLAY_COUNT);
            return v == null ? 0 : Math.max(0, Integer.parseInt(v.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** @return where it was read from before it was dead-lettered, or null */
    String originalDestination() {
        return header(DeadLetterHeaders.ORIGINAL_DESTINATION);
    }

    /**
     * The event as it was before it was dead-lettered: its key, attributes, payload bytes and
     * headers without the {@code twelvefold-dlq-*} ones, with the replay count raised by one.
     */
    OutgoingMessage replay() {
        Map<String, String> headers = new LinkedHashMap<>();
        stored.headers().forEach((k, v) -> {
            if (!k.startsWith(DeadLetterHeaders.PREFIX)) {
                headers.put(k, v);
            }
        });
        headers.put(DeadLetterHeaders.REPLAY_COUNT, Integer.toString(replays() + 1));
        return new OutgoingMessage(stored.key(), stored.attributes(), headers, stored.payload());
    }

    static Instant instant(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
