package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acknowledgements of one subscription's channel, correct and batched whatever thread
 * completes a delivery.
 *
 * <p><b>Coalescing.</b> A completion is queued; queued completions are acknowledged by a flush,
 * with one {@code basic.ack multiple=true} for the longest run of completed tags from the oldest
 * unacknowledged one. A completion made on the thread that is delivering to the handler (the
 * consumer's thread, where the runtime runs short attempts itself) is flushed by that thread when
 * its run of deliveries ends, or every {@value #FLUSH_EVERY} deliveries. A completion made while a
 * batch of publisher confirms completes ({@link ConfirmBatches}) is flushed at the end of that
 * batch, by the thread that completes it: a confirm batch that completes many inputs one after the
 * other costs one {@code basic.ack}, as in a hand-written loop. A completion made on any other
 * thread at any other time (a worker) schedules one flush on the transport's executor unless one is
 * already pending: the completions made while it waits to run go out with it.
 *
 * <p><b>Gaps.</b> Completions after a gap (an older message still being processed, which is the rule
 * with concurrent keys) wait for the gap to close, so that one multiple-ack covers them too: each
 * {@code basic.ack} costs the broker work. They are acknowledged one by one as soon as half of the
 * prefetch window waits that way, or a flush finds the oldest of them waiting for more than
 * {@value #GAP_ACK_DELAY_MS} ms, so a message waiting for a long retry never holds the window; and
 * all of them on close.
 *
 * <p><b>Generations.</b> When the channel is lost, every outstanding delivery is void: the broker
 * delivers it again, and its acknowledgement must not reach the recovered channel, where its tag
 * means another message. Each loss starts a new generation; a completion of an older one is dropped.
 *
 * <p>Thread-safe; the state is guarded by one lock, held only while a flush writes its frames.
 */
final class Acknowledgements {
    private static final Logger LOG = LoggerFactory.getLogger(Acknowledgements.class);
    /** How long a completion after a gap may wait for the gap to close before it is acknowledged alone. */
    static final long GAP_ACK_DELAY_MS = 200;
    /** The consumer's thread flushes at least once every this many deliveries of one run. */
    static final int FLUSH_EVERY = 32;

    private final Channel channel;
    private final String queue;
    private final Executor executor;
    private final ConfirmBatches batches;
    /** Completions after a gap acknowledged one by one from this many on. */
    private final int gapAckThreshold;
    private final ConcurrentLinkedQueue<RabbitMqMessage> completions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushPending = new AtomicBoolean();
    /** Whether this subscription waits for the end of a confirm batch to flush. */
    private final AtomicBoolean waitingForBatch = new AtomicBoolean();
    private final Runnable flushTask = new Runnable() {
        @Override
        public void run() {
            flushPending.set(false);
            flush(false);
        }
    };
    private final Object lock = new Object();
    /** Delivered and not yet acknowledged tags of the current generation: tag → completed; guarded by lock. */
    private final NavigableMap<Long, Boolean> outstanding = new TreeMap<>();
    /** Completed tags waiting behind an older unacknowledged one; guarded by lock. */
    private int completedAfterGap;
    /** When the oldest of them completed ({@link System#nanoTime()}); guarded by lock. */
    private long gapSince;
    private volatile int generation;
    /** The size of outstanding, readable without the lock (for the log line of a lost connection). */
    private volatile int unacknowledged;
    /** The thread delivering to the handler now, whose completions wait for the end of its run. */
    private volatile Thread delivering;

    Acknowledgements(Channel channel, String queue, int prefetch, Executor executor, ConfirmBatches batches) {
        this.channel = channel;
        this.queue = queue;
        this.executor = executor;
        this.batches = batches;
        this.gapAckThreshold = Math.max(1, prefetch / 2);
    }

    /** @return the current generation: deliveries of an older one are void */
    int generation() {
        return generation;
    }

    /**
     * Registers a delivery before it is handed out.
     *
     * @return its generation
     */
    int delivered(long tag) {
        synchronized (lock) {
            outstanding.put(tag, Boolean.FALSE);
            unacknowledged = outstanding.size();
            return generation;
        }
    }

    /** @return the deliveries of the current generation handed out and not yet acknowledged */
    int unacknowledged() {
        return unacknowledged;
    }

    /**
     * A delivery completed: it is acknowledged soon, with the others. Any thread.
     *
     * @param message the delivery, of this subscription
     */
    void completed(RabbitMqMessage message) {
        if (message.generation() != generation) {
            return;
        }
        completions.add(message);
        if (Thread.currentThread() == delivering || batches.leave(this)) {
            return; // flushed when the run of deliveries, or the confirm batch, ends
        }
        if (flushPending.compareAndSet(false, true)) {
            try {
                executor.execute(flushTask);
            } catch (RejectedExecutionException e) {
                flushTask.run(); // the transport is closing
            }
        }
    }

    /** @return whether this call marked the subscription as waiting for the end of a confirm batch */
    boolean markWaiting() {
        return waitingForBatch.compareAndSet(false, true);
    }

    /** The confirm batch it waited for ended: flushes, on the calling thread. */
    void flushWaiting() {
        waitingForBatch.set(false);
        flush(false);
    }

    /** The calling thread starts a run of deliveries to the handler. */
    void runStarted() {
        delivering = Thread.currentThread();
    }

    /**
     * The calling thread handed out another delivery of its run.
     *
     * @param count the deliveries handed out in this run so far
     */
    void handedOut(int count) {
        if (count % FLUSH_EVERY == 0 && !completions.isEmpty()) {
            flush(false);
        }
    }

    /** The calling thread's run of deliveries ended. */
    void runEnded() {
        delivering = null;
        if (!completions.isEmpty()) {
            flush(false);
        }
    }

    /**
     * Voids every outstanding delivery: the channel was lost, the broker delivers them again.
     *
     * @return how many were outstanding
     */
    int voidAll() {
        synchronized (lock) {
            int count = outstanding.size();
            outstanding.clear();
            unacknowledged = 0;
            completedAfterGap = 0;
            gapSince = 0;
            generation++;
            return count;
        }
    }

    /** Acknowledges every completion so far, even after a gap, then voids the rest (on close). */
    void close() {
        flush(true);
        voidAll();
        completions.clear();
    }

    /** @param all also acknowledge every completion after a gap (on close) */
    private void flush(boolean all) {
        synchronized (lock) {
            RabbitMqMessage m;
            while ((m = completions.poll()) != null) {
                if (m.generation() == generation && outstanding.replace(m.offset(), Boolean.TRUE) == Boolean.FALSE
                        && completedAfterGap++ == 0) {
                    gapSince = System.nanoTime();
                }
            }
            long highest = -1;
            while (!outstanding.isEmpty() && outstanding.firstEntry().getValue()) {
                highest = outstanding.pollFirstEntry().getKey();
                completedAfterGap--;
            }
            if (completedAfterGap == 0) {
                gapSince = 0;
            }
            boolean alone = completedAfterGap > 0 && (all || completedAfterGap >= gapAckThreshold
                    || System.nanoTime() - gapSince > TimeUnit.MILLISECONDS.toNanos(GAP_ACK_DELAY_MS));
            try {
                if (highest > 0) {
                    channel.basicAck(highest, true);
                }
                if (alone) {
                    acknowledgeAfterGap();
                }
            } catch (IOException | ShutdownSignalException e) {
                // the channel is gone: the broker redelivers what was not acknowledged
                LOG.debug("Acknowledging on queue '{}' failed; the broker will redeliver", queue, e);
            }
            unacknowledged = outstanding.size();
        }
    }

    /** Under the lock: acknowledges the completions after the gap one by one, so the window never fills with them. */
    private void acknowledgeAfterGap() throws IOException {
        for (Iterator<Map.Entry<Long, Boolean>> it = outstanding.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, Boolean> e = it.next();
            if (e.getValue()) {
                // the key first: removing a TreeMap entry may move its successor into it
                long tag = e.getKey();
                it.remove();
                channel.basicAck(tag, false);
            }
        }
        completedAfterGap = 0;
        gapSince = 0;
    }
}
