package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.Event;
import io.twelvefold.core.internal.ChannelSettings;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one attempt of a taken delivery, outside the lock, on the thread that took it (a worker, or
 * the delivery thread): checks the message at its first attempt, decodes its event, walks the
 * channel's {@link Steps} with a new {@link AttemptContext}, closes the context, and reports how
 * the attempt ended. A failure is handled right where it happens: the scheduler records it, and
 * the retry goes to the broker or the dead letter is sent from here. Outputs still being confirmed
 * are awaited on the callback executor, never on the transport's thread that completes them.
 * Thread-safe.
 *
 * @param <T> the payload type
 */
final class AttemptRunner<T> implements LaneScheduler.Attempts {
    private static final Logger LOG = LoggerFactory.getLogger(AttemptRunner.class);

    private final ChannelSettings settings;
    private final Class<T> type;
    private final Wire wire;
    private final Outputs outputs;
    private final Steps<T> steps;
    private final LaneScheduler scheduler;
    private final BrokerHandOff handOff;
    private final DeadLetterer deadLetters;
    private final InlinePolicy inline;
    private final ChannelMetrics metrics;
    private final Executor callbacks;

    AttemptRunner(ChannelSettings settings, Class<T> type, Wire wire, Outputs outputs, Steps<T> steps,
            LaneScheduler scheduler, BrokerHandOff handOff, DeadLetterer deadLetters, InlinePolicy inline,
            ChannelMetrics metrics, Executor callbacks) {
        this.settings = settings;
        this.type = type;
        this.wire = wire;
        this.outputs = outputs;
        this.steps = steps;
        this.scheduler = scheduler;
        this.handOff = handOff;
        this.deadLetters = deadLetters;
        this.inline = inline;
        this.metrics = metrics;
        this.callbacks = callbacks;
    }

    @Override
    public Outcome attempt(Delivery d, int epoch) {
        long start = System.nanoTime();
        AttemptContext context = null;
        try {
            context = open(d, start);
            try {
                AttemptChain.run(steps, context);
            } finally {
                context.close();
            }
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            inline.record(start);
            if (context == null) {
                metrics.processed(start, false); // rejected before its first step: undecodable, oversize, invalid
            } else {
                context.settled(false);
            }
            failed(d, epoch, e, context == null ? null : context.verdict(), true);
            return Outcome.FAILED;
        }
        inline.record(start);
        return settle(d, epoch, context);
    }

    /**
     * The context of a new attempt: the message checked at its first attempt, its event decoded.
     *
     * @throws PoisonException when the message can never be processed
     */
    private AttemptContext open(Delivery d, long start) {
        if (!d.opened) {
            d.opened = true;
            handOff.takeOverAttempts(d);
            wire.validate(d.message);
        }
        Event<T> event = wire.toEvent(d.message, type, d.retried);
        d.attempt++;
        return new AttemptContext(event, d.attempt, start, settings, outputs);
    }

    /** The chain returned: done if its outputs are confirmed already, else confirmed on the callback executor. */
    private Outcome settle(Delivery d, int epoch, AttemptContext context) {
        List<CompletableFuture<Void>> sends = context.sends();
        if (sends == null || allConfirmed(sends)) {
            context.settled(true);
            if (d.oldest) {
                scheduler.acknowledge(d);
                return Outcome.ACKNOWLEDGED;
            }
            return Outcome.CONFIRMED;
        }
        CompletableFuture<Void> all = sends.size() == 1 ? sends.get(0)
                : CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0]));
        all.whenCompleteAsync(new Confirmation(d, epoch, context), callbacks);
        return Outcome.CONFIRMING;
    }

    private static boolean allConfirmed(List<CompletableFuture<Void>> sends) {
        for (CompletableFuture<Void> f : sends) {
            if (!f.isDone() || f.isCompletedExceptionally()) {
                return false;
            }
        }
        return true;
    }

    /**
     * An attempt failed: the scheduler records it (rewinding the key, queueing an in-process retry),
     * then the hand-off or the dead letter it calls for happens here, outside the lock.
     *
     * @param verdict the retry decision's, or null to decide under the lock
     * @param byRunner whether the thread that ran the attempt reports it
     */
    private void failed(Delivery d, int epoch, Throwable e, RetryPolicy.Verdict verdict, boolean byRunner) {
        Failure f = scheduler.failed(d, epoch, e, verdict, byRunner);
        switch (f.next()) {
            case RETRY_HERE:
                metrics.retry();
                break;
            case HAND_OFF:
                metrics.retry();
                handOff.handOff(d, epoch, f);
                break;
            case DEAD_LETTER:
                deadLetters.deadLetter(d, epoch, e, f);
                break;
            default:
                break;
        }
    }

    /** On the callback executor: the broker's answer for an attempt's outputs. */
    private final class Confirmation implements BiConsumer<Object, Throwable> {
        private final Delivery d;
        private final int epoch;
        private final AttemptContext context;

        Confirmation(Delivery d, int epoch, AttemptContext context) {
            this.d = d;
            this.epoch = epoch;
            this.context = context;
        }

        @Override
        public void accept(Object v, Throwable err) {
            context.settled(err == null);
            if (err == null) {
                scheduler.confirmed(d, epoch);
                return;
            }
            Throwable refused = BrokerHandOff.unwrap(err);
            LOG.debug("Channel '{}': an output of attempt {} of event {} was refused: {}", settings.channel(),
                    context.attempt(), d, refused.toString());
            failed(d, epoch, refused, null, false);
        }
    }
}
