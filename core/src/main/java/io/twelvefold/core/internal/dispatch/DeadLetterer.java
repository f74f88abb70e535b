package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends an event that can no longer be processed to the channel's dead-letter destination, and
 * never drops it: the input is acknowledged only once the broker confirmed the dead letter; a
 * refused dead letter is sent again after a backoff, for as long as it takes (or until a graceful
 * stop leaves the input unacknowledged for the next consumer).
 *
 * <p>A dead letter is the original message (key, CloudEvents attributes, headers, payload bytes)
 * with the {@link DeadLetterHeaders} added and the retry headers of a broker's copy left out.
 * Sends happen on the thread that reported the failure (a worker, or the callback executor); the
 * broker's answer is handled on the callback executor, and a re-send is due on the timer and runs
 * on the callback executor: never on a transport's I/O thread, never on the shared timer thread.
 * Thread-safe.
 */
final class DeadLetterer {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterer.class);
    private static final int MAX_EXCEPTION_MESSAGE = 1000;
    /** How often a kept dead letter checks whether the dispatcher stops and should let it go. */
    private static final long KEPT_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ChannelSettings settings;
    private final Publisher publisher;
    private final LaneScheduler scheduler;
    private final RetryPolicy retries;
    private final ChannelMetrics metrics;
    private final Executor callbacks;
    private final ScheduledExecutorService timer;

    /** @param publisher the dead-letter destination's publisher, null for a channel without one */
    DeadLetterer(ChannelSettings settings, Publisher publisher, LaneScheduler scheduler, RetryPolicy retries,
            ChannelMetrics metrics, Executor callbacks, ScheduledExecutorService timer) {
        this.settings = settings;
        this.publisher = publisher;
        this.scheduler = scheduler;
        this.retries = retries;
        this.metrics = metrics;
        this.callbacks = callbacks;
        this.timer = timer;
    }

    /**
     * Dead-letters an event (counted, logged once at ERROR) and acknowledges it once confirmed.
     *
     * @param failure the last failure
     * @param f the failure as the ledger recorded it: the reason, the attempts and their instants
     */
    void deadLetter(Delivery d, int epoch, Throwable failure, Failure f) {
        String earlier = d.message.headers().get(DeadLetterHeaders.REASON);
        if (earlier != null) {
            keep(d, epoch, failure, earlier, f);
            return;
        }
        String reason = f.verdict().deadLetterReason();
        if (publisher == null) {
            keepWithoutDestination(d, epoch, failure, reason, f);
            return;
        }
        OutgoingMessage letter = letterOf(d.message, failure, reason, f);
        metrics.deadLetter(reason);
        LOG.error("Channel '{}': event {} dead-lettered to '{}' ({}, {} attempt(s)): {}: {}", settings.channel(), d,
                settings.deadLetterDestination(), reason, f.attempts(), exceptionClass(failure), failure.getMessage());
        new Send(d, epoch, letter, f.attempts()).run();
    }

    /**
     * A dead letter is terminal: one that fails again (a processor subscribed to a dead-letter
     * destination) is never dead-lettered a second time. It stays unacknowledged, holding its key,
     * like a dead letter the broker refuses; a graceful stop leaves it for the next consumer.
     */
    private void keep(Delivery d, int epoch, Throwable failure, String earlier, Failure f) {
        LOG.error("Channel '{}': event {} is a dead letter already (reason '{}') and failed again ({}: {}); "
                + "a dead letter is never dead-lettered again: it stays unacknowledged until the app stops; "
                + "replay it with 'dlq replay' or remove it with 'dlq purge'", settings.channel(), d, earlier,
                exceptionClass(failure), failure.getMessage());
        new Kept(d, epoch, f.attempts()).run();
    }

    /**
     * A channel without a dead-letter destination (its destination ends with {@code .dlq}, or its
     * {@code dead-letter-destination} is {@code none}) keeps what it would dead-letter unacknowledged,
     * as a dead letter that failed again.
     */
    private void keepWithoutDestination(Delivery d, int epoch, Throwable failure, String reason, Failure f) {
        LOG.error("Channel '{}': event {} cannot be processed ({}, {} attempt(s): {}: {}) and the channel has no "
                + "dead-letter destination (twelvefold.channels.{}.dead-letter-destination is none): it stays "
                + "unacknowledged until the app stops", settings.channel(), d, reason, f.attempts(),
                exceptionClass(failure), failure.getMessage(), settings.channel());
        new Kept(d, epoch, f.attempts()).run();
    }

    /** A dead letter that failed again, held unacknowledged; checks now and then whether the dispatcher stops. */
    private final class Kept implements Runnable {
        private final Delivery d;
        private final int epoch;
        private final int attempts;

        Kept(Delivery d, int epoch, int attempts) {
            this.d = d;
            this.epoch = epoch;
            this.attempts = attempts;
        }

        @Override
        public void run() {
            if (scheduler.deadLetterRefused(d, epoch)) {
                timer.schedule(new OnCallbacks(callbacks, this),
                        Math.min(retries.deadLetterResendNanos(attempts), KEPT_CHECK_NANOS), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** One dead letter on its way: sent, then sent again until the broker confirms it. */
    private final class Send implements Runnable, BiConsumer<Void, Throwable> {
        private final Delivery d;
        private final int epoch;
        private final OutgoingMessage letter;
        private final int attempts;

        Send(Delivery d, int epoch, OutgoingMessage letter, int attempts) {
            this.d = d;
            this.epoch = epoch;
            this.letter = letter;
            this.attempts = attempts;
        }

        /** Sends it (the first time on the failing thread, then on the callback executor). */
        @Override
        public void run() {
            CompletableFuture<Void> f;
            try {
                f = publisher.send(letter);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenCompleteAsync(this, callbacks);
        }

        /** On the callback executor: the broker's answer. */
        @Override
        public void accept(Void v, Throwable err) {
            if (err == null) {
                scheduler.confirmed(d, epoch);
                return;
            }
            long delay = retries.deadLetterResendNanos(attempts);
            LOG.error("Channel '{}': event {} could not be dead-lettered to '{}', retrying in {} ms: {}",
                    settings.channel(), d, settings.deadLetterDestination(), delay / 1_000_000,
                    BrokerHandOff.unwrap(err).toString());
            if (scheduler.deadLetterRefused(d, epoch)) {
                timer.schedule(new OnCallbacks(callbacks, this), delay, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** On the timer: hands a task to the callback executor (a send may block; the timer is shared). */
    private record OnCallbacks(Executor callbacks, Runnable task) implements Runnable {
        @Override
        public void run() {
            callbacks.execute(task);
        }
    }

    /** The dead letter of a message: the original with the dead-letter headers, without the retry headers. */
    OutgoingMessage letterOf(IncomingMessage m, Throwable e, String reason, Failure f) {
        Map<String, String> headers = new LinkedHashMap<>(m.headers());
        // a replay of the dead letter starts counting again
        headers.remove(Envelopes.RETRY_ATTEMPTS);
        headers.remove(Envelopes.RETRY_FIRST_FAILURE);
        headers.put(DeadLetterHeaders.REASON, reason);
        headers.put(DeadLetterHeaders.CHANNEL, settings.channel());
        headers.put(DeadLetterHeaders.GROUP, settings.group());
        headers.put(DeadLetterHeaders.ORIGINAL_DESTINATION, m.destination());
        headers.put(DeadLetterHeaders.ORIGINAL_PARTITION, Integer.toString(m.partition()));
        headers.put(DeadLetterHeaders.ORIGINAL_OFFSET, Long.toString(m.offset()));
        headers.put(DeadLetterHeaders.EXCEPTION_CLASS, exceptionClass(e));
        String message = String.valueOf(e.getMessage());
        headers.put(DeadLetterHeaders.EXCEPTION_MESSAGE,
                message.length() > MAX_EXCEPTION_MESSAGE ? message.substring(0, MAX_EXCEPTION_MESSAGE) : message);
        headers.put(DeadLetterHeaders.ATTEMPTS, Integer.toString(f.attempts()));
        headers.put(DeadLetterHeaders.FIRST_FAILURE, f.firstFailure().toString());
        headers.put(DeadLetterHeaders.LAST_FAILURE, f.lastFailure().toString());
        return new OutgoingMessage(m.key(), attributesOf(m), headers, m.payload());
    }

    /**
     * The original's attributes; a message without an id (a plain one) keeps the broker's id of it,
     * which the transport writes where a plain message carries one (the AMQP message-id).
     */
    private static Map<String, String> attributesOf(IncomingMessage m) {
        Map<String, String> a = m.attributes();
        String brokerId = m.messageId();
        if (a.containsKey(Envelopes.ID) || brokerId == null) {
            return a;
        }
        Map<String, String> withId = new LinkedHashMap<>(a);
        withId.put(Envelopes.ID, brokerId);
        return withId;
    }

    /** The class users should see: the cause of a poison message, not our internal wrapper. */
    static String exceptionClass(Throwable e) {
        if (e instanceof PoisonException) {
            return e.getCause() != null ? e.getCause().getClass().getName() : ProcessingException.class.getName();
        }
        return e.getClass().getName();
    }
}
