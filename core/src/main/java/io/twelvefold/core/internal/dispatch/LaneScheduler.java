package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.Subscription;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a channel's events run, and the one lock of its dispatcher. Lanes (one per key) hold the
 * events; at most {@code concurrency} threads hold a lane at a time (the delivery thread counts as
 * one while it runs an attempt itself), so a key's events run one at a time and in order. A worker
 * keeps draining its lane while it has work, for up to {@link #BATCH} events before it lets a
 * waiting lane go first, and reports each attempt's {@link Outcome} under the same lock acquisition
 * that takes its next event.
 *
 * <p>Every change of the lanes, the worker slots and the deliveries ({@link Ledger}) happens under
 * {@link #lock}, taken only in this class; nothing that may block (an attempt, an acknowledgement,
 * a send) runs under it. Thread-safe.
 */
final class LaneScheduler implements Ledger.Lanes {
    private static final Logger LOG = LoggerFactory.getLogger(LaneScheduler.class);
    /** Events a worker runs from one lane before a waiting lane goes first. */
    static final int BATCH = 64;

    /** Runs one attempt outside the lock (the {@link AttemptRunner}). */
    interface Attempts {
        /**
         * @param d a delivery the calling thread took
         * @param epoch its epoch at the take
         * @return how the attempt ended
         */
        Outcome attempt(Delivery d, int epoch);
    }

    private final ChannelSettings settings;
    private final Executor workers;
    private final InlinePolicy inline;
    private final Object lock = new Object();
    private final Ledger ledger;
    private final Map<String, Lane> lanes = new HashMap<>();
    private final Set<Lane> unkeyed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Lanes with an event to run, waiting for a worker slot. */
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private int activeWorkers;
    private Attempts attempts;

    LaneScheduler(ChannelSettings settings, Executor workers, ScheduledExecutorService timer, InlinePolicy inline,
            RetryPolicy retries) {
        this.settings = settings;
        this.workers = workers;
        this.inline = inline;
        this.ledger = new Ledger(lock, this, settings, timer, retries);
    }

    /** Sets what runs the attempts; once, before the first message. */
    void attempts(Attempts a) {
        this.attempts = a;
    }

    void bind(Subscription s) {
        synchronized (lock) {
            ledger.bound.bind(s);
        }
    }

    Subscription subscription() {
        synchronized (lock) {
            return ledger.bound.subscription();
        }
    }

    int inFlight() {
        synchronized (lock) {
            return ledger.bound.inFlight();
        }
    }

    int parked() {
        synchronized (lock) {
            return ledger.bound.parked();
        }
    }

    boolean paused() {
        synchronized (lock) {
            return ledger.bound.paused();
        }
    }

    // ---------------------------------------------------------------- the delivery thread

    /**
     * Queues a delivered message in its key's lane.
     *
     * @return the delivery the calling (delivery) thread runs itself with {@link #runInline}, already
     *     taken; or null: a worker runs it, or it waits, or the dispatcher is stopping (then it is not
     *     acknowledged, and the transport delivers it again after the subscription closed)
     */
    Delivery admit(IncomingMessage message) {
        synchronized (lock) {
            if (ledger.closing()) {
                return null;
            }
            Lane lane = laneOf(message.key());
            Delivery d = new Delivery(message, lane);
            lane.queue.addLast(d);
            Delivery here = null;
            if (!lane.scheduled && lane.queue.first() == d) {
                if (activeWorkers < settings.concurrency() && inline.allows() && lane.runnable(false) == d) {
                    // attempts are short and a worker slot is free: run it here, without a hand-off
                    lane.scheduled = true;
                    activeWorkers++;
                    lane.queue.pollFirst();
                    ledger.take(d);
                    here = d;
                } else {
                    dispatch(lane);
                }
            }
            ledger.bound.admitted();
            if (lane.parked > 0) {
                ledger.recount(lane); // it joins the events waiting behind the lane's retry
            }
            return here;
        }
    }

    private Lane laneOf(String key) {
        Lane lane = key == null ? null : lanes.get(key);
        if (lane == null) {
            lane = new Lane(key);
            if (key == null) {
                unkeyed.add(lane);
            } else {
                lanes.put(key, lane);
            }
        }
        return lane;
    }

    /**
     * One attempt on the delivery thread, which holds the lane and a worker slot meanwhile; then, like
     * a worker, it hands the lane to a worker if the lane has more to run, or its slot to a waiting lane.
     */
    void runInline(Delivery d) {
        Lane lane = d.lane;
        int epoch = d.epoch;
        Outcome outcome = attempts.attempt(d, epoch);
        List<Delivery> toAck;
        synchronized (lock) {
            toAck = ledger.finish(d, epoch, outcome);
            Lane next = lane.runnable(ledger.closing()) != null ? lane : release(lane);
            if (next != null) {
                workers.execute(new Worker(next));
            }
        }
        acknowledgeInOrder(lane, toAck);
    }

    /**
     * The broker moves these partitions away: their queued events are dropped unacknowledged, and
     * this waits (up to {@code processing-timeout}) for their started ones, so that their
     * acknowledgements go into the commit the transport makes when this returns.
     */
    void revoke(Set<Integer> partitions) {
        List<Delivery> started = new ArrayList<>();
        synchronized (lock) {
            for (Lane lane : allLanes()) {
                for (Delivery d = lane.queue.first(), next; d != null; d = next) {
                    next = d.next;
                    if (partitions.contains(d.message.partition())) {
                        lane.queue.remove(d);
                        ledger.drop(d);
                        ledger.recount(lane);
                    }
                }
                for (Delivery d = lane.started.first(); d != null; d = d.next) {
                    if (partitions.contains(d.message.partition())) {
                        d.revoked = true;
                        started.add(d);
                    }
                }
                forgetIfIdle(lane);
            }
            if (!ledger.awaitLeft(started, System.nanoTime() + settings.processingTimeout().toNanos())) {
                int late = 0;
                for (Delivery d : started) {
                    if (d.held()) {
                        d.abandoned = true;
                        late++;
                    }
                }
                LOG.warn("Channel '{}': {} event(s) of revoked partitions {} still running after {}; they will not "
                        + "be acknowledged", settings.channel(), late, partitions, settings.processingTimeout());
            }
        }
    }

    // ---------------------------------------------------------------- workers

    /** A worker: holds one lane at a time and runs its events until no lane is left for it. */
    private final class Worker implements Runnable {
        private Lane lane;
        private int budget = BATCH;

        Worker(Lane first) {
            this.lane = first;
        }

        @Override
        public void run() {
            Delivery d;
            synchronized (lock) {
                d = takeNext();
            }
            while (d != null) {
                int epoch = d.epoch;
                Outcome outcome = attempts.attempt(d, epoch);
                Lane ran = d.lane;
                List<Delivery> toAck;
                synchronized (lock) {
                    toAck = ledger.finish(d, epoch, outcome);
                    d = takeNext();
                }
                acknowledgeInOrder(ran, toAck);
            }
        }

        /** Under the lock: the next event to run, from this lane or the next one waiting; null when it retires. */
        private Delivery takeNext() {
            while (lane != null) {
                Delivery h = lane.runnable(ledger.closing());
                if (h == null) {
                    lane = release(lane);
                    budget = BATCH;
                    continue;
                }
                if (--budget < 0 && !ready.isEmpty()) {
                    ready.addLast(lane);
                    lane = ready.pollFirst();
                    budget = BATCH;
                    continue;
                }
                lane.queue.pollFirst();
                ledger.take(h);
                return h;
            }
            return null;
        }
    }

    /** Under the lock: runs the lane on a free worker, or queues it for the next one. */
    private void dispatch(Lane lane) {
        lane.scheduled = true;
        if (activeWorkers < settings.concurrency()) {
            activeWorkers++;
            workers.execute(new Worker(lane));
        } else {
            ready.addLast(lane);
        }
    }

    @Override
    public void kick(Lane lane) {
        if (!lane.scheduled && lane.runnable(ledger.closing()) != null) {
            dispatch(lane);
        }
    }

    @Override
    public void retryDue(Lane lane) {
        synchronized (lock) {
            ledger.recount(lane); // the events behind the retry count as in flight again
            kick(lane);
        }
    }

    /** Under the lock: a thread gives the lane up; @return the next waiting lane for it, or null when it retires. */
    private Lane release(Lane lane) {
        lane.scheduled = false;
        forgetIfIdle(lane);
        Lane next = ready.pollFirst();
        if (next == null) {
            activeWorkers--;
        }
        return next;
    }

    @Override
    public void forgetIfIdle(Lane lane) {
        if (lane.idle()) {
            if (lane.key == null) {
                unkeyed.remove(lane);
            } else {
                lanes.remove(lane.key, lane);
            }
        }
    }

    // ---------------------------------------------------------------- outcomes reported later

    /**
     * Acknowledges them in order, outside the lock (a transport may hold its own lock while it
     * delivers), then those of the lane that became acknowledgeable meanwhile.
     *
     * @param acks the events to acknowledge, or null for none
     */
    private void acknowledgeInOrder(Lane lane, List<Delivery> acks) {
        while (acks != null) {
            for (Delivery d : acks) {
                ledger.acknowledge(d);
            }
            synchronized (lock) {
                acks = ledger.acknowledged(lane, acks);
            }
        }
    }

    /** Acknowledges its key's oldest event, whose outputs were confirmed at once, on the thread that ran it. */
    void acknowledge(Delivery d) {
        ledger.acknowledge(d);
    }

    /** Its outputs or its dead letter were confirmed: it is done; acknowledges what that makes acknowledgeable. */
    void confirmed(Delivery d, int epoch) {
        List<Delivery> acks;
        synchronized (lock) {
            acks = ledger.confirmed(d, epoch);
        }
        acknowledgeInOrder(d.lane, acks);
    }

    /** See {@link Ledger#failed}. */
    Failure failed(Delivery d, int epoch, Throwable e, RetryPolicy.Verdict verdict, boolean byRunner) {
        Instant now = Instant.now();
        synchronized (lock) {
            return ledger.failed(d, epoch, e, verdict, byRunner, now);
        }
    }

    /** The broker stored the copy for the delayed retry: the message is done (acknowledged in its key's order). */
    void handedOff(Delivery d, int epoch) {
        List<Delivery> acks;
        synchronized (lock) {
            acks = ledger.handedOff(d, epoch);
        }
        acknowledgeInOrder(d.lane, acks);
    }

    /** The broker did not store the copy: the retry waits in the process, until {@code due}. */
    void retryHere(Delivery d, int epoch, long due) {
        synchronized (lock) {
            ledger.retryHere(d, epoch, due);
        }
    }

    /** See {@link Ledger#deadLetterRefused}. */
    boolean deadLetterRefused(Delivery d, int epoch) {
        synchronized (lock) {
            return ledger.deadLetterRefused(d, epoch);
        }
    }

    // ---------------------------------------------------------------- graceful stop

    /** Stops fetching and starting attempts; pending retry delays are cancelled. */
    void stopFetching() {
        synchronized (lock) {
            if (!ledger.closing()) {
                ledger.stop(allLanes());
            }
        }
    }

    /** See {@link Ledger#awaitIdle}. */
    int awaitIdle(long deadlineNanos) {
        synchronized (lock) {
            return ledger.awaitIdle(deadlineNanos);
        }
    }

    private List<Lane> allLanes() {
        List<Lane> all = new ArrayList<>(lanes.values());
        all.addAll(unkeyed);
        return all;
    }
}
