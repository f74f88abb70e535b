package io.twelvefold.transport.rabbitmq;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tells acknowledgements when a batch of publisher confirms is being completed, so that the
 * completions it causes go out together at its end, from the thread that completes it.
 *
 * <p>The broker confirms a run of sends with one {@code basic.ack multiple=true}; completing them
 * completes the inputs they came from one after the other, each of which is acknowledged. While a
 * batch completes, a subscription's acknowledgements (made on any thread) are left to its end:
 * one flush per subscription and batch, on the confirming thread, without a hand-off to another
 * thread. Outside a batch, {@link Acknowledgements} flushes by itself.
 *
 * <p>Thread-safe, without locks; one per transport.
 */
final class ConfirmBatches {
    private final AtomicInteger completing = new AtomicInteger();
    private final ConcurrentLinkedQueue<Acknowledgements> waiting = new ConcurrentLinkedQueue<>();

    /** A batch of confirms starts completing (on the calling thread). */
    void started() {
        completing.incrementAndGet();
    }

    /** The batch completed: flushes the subscriptions that left their acknowledgements to it. */
    void ended() {
        if (completing.decrementAndGet() == 0) {
            flushWaiting();
        }
    }

    /**
     * Leaves a subscription's flush to the end of the batch under way, if any.
     *
     * @return whether a batch took it (else the caller flushes by itself)
     */
    boolean leave(Acknowledgements acknowledgements) {
        if (completing.get() == 0) {
            return false;
        }
        if (acknowledgements.markWaiting()) {
            waiting.add(acknowledgements);
        }
        // the batch may have ended between the check and the queueing: then nobody else flushes it
        if (completing.get() == 0) {
            flushWaiting();
        }
        return true;
    }

    private void flushWaiting() {
        Acknowledgements a;
        while ((a = waiting.poll()) != null) {
            a.flushWaiting();
        }
    }
}
