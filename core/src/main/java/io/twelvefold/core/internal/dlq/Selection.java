package io.twelvefold.core.internal.dlq;

import java.time.Instant;

/**
 * Which dead letters a {@code dlq} command acts on: every given filter must match; a dead letter
 * without the time of its last failure matches no time filter. Immutable.
 *
 * @param channel the channel whose processor gave up, or null for any
 * @param reason the dead-letter reason, or null for any
 * @param exception the exception class, fully qualified or simple name, or null for any
 * @param since the earliest last failure, inclusive, or null
 * @param until the latest last failure, exclusive, or null
 * @param id the event id, or null for any
 */
record Selection(String channel, String reason, String exception, Instant since, Instant until, String id) {

    boolean test(DeadLetter d) {
        if (channel != null && !channel.equals(d.channel())) {
            return false;
        }
        if (reason != null && !reason.equals(d.reason())) {
            return false;
        }
        if (exception != null && !exceptionMatches(d.exceptionClass())) {
            return false;
        }
        if (id != null && !id.equals(d.id())) {
            return false;
        }
        if (since != null || until != null) {
            Instant last = d.lastFailure();
            return last != null && (since == null || !last.isBefore(since)) && (until == null || last.isBefore(until));
        }
        return true;
    }

    private boolean exceptionMatches(String className) {
        return exception.equals(className) || className.endsWith("." + exception) || className.endsWith("$" + exception);
    }
}
