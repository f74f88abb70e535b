package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.internal.ChannelSettings;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What becomes of each delivery once its lane's holder took it: its {@link Stage}, its place in its
 * key's {@link AckSequencer}, the retry that waits in the process, the rewind of a key after a
 * failure, and the counts a graceful stop and a revocation wait on (running or started events) and
 * the subscription's pause depends on ({@link InFlightBound}).
 *
 * <p>Not thread-safe: every method except {@link #acknowledge} is called with the scheduler's lock
 * held, which is also the monitor this waits on and wakes ({@link LaneScheduler} owns it).
 */
final class Ledger {
    /** The scheduler's operations on lanes, called under its lock (except {@link #retryDue}). */
    interface Lanes {
        /** Dispatches the lane to a worker if nobody holds it and its next event may start. */
        void kick(Lane lane);

        /** Forgets the lane if it is empty and nobody holds it. */
        void forgetIfIdle(Lane lane);

        /** On the timer, without the lock: a retry delay of the lane is over. */
        void retryDue(Lane lane);
    }

    private final Object lock;
    private final Lanes lanes;
    private final ScheduledExecutorService timer;
    private final RetryPolicy retries;
    final InFlightBound bound;
    /** Running, or started and not yet acknowledged: what a graceful stop waits for. */
    private int busy;
    private boolean closing;
    /** The graceful stop gave up waiting: acknowledge nothing more. Read without the lock. */
    private volatile boolean abandonAll;

    Ledger(Object lock, Lanes lanes, ChannelSettings settings, ScheduledExecutorService timer, RetryPolicy retries) {
        this.lock = lock;
        this.lanes = lanes;
        this.timer = timer;
        this.retries = retries;
        this.bound = new InFlightBound(settings.maxInFlight());
    }

    boolean closing() {
        return closing;
    }

    /** Its lane's holder starts it (already polled from the queue). */
    void take(Delivery h) {
        h.notBefore = 0;
        h.retry = null;
        h.epoch++;
        h.stage = Stage.RUNNING;
        h.running = true;
        h.sequenced = true;
        busy++;
        h.oldest = h.lane.started.add(h);
        if (h.lane.parked > 0) {
            recount(h.lane); // a lane that waited: its retry runs, the rest counts in flight again
        }
    }

    /**
     * Tells the bound how many of the lane's queued events wait behind its head's retry delay (the
     * whole queue while that delay is not over, else none). Called after every change of a lane's
     * queue or of its head's delay, under the lock, so the count is set from the lane as it is. On
     * the per-event paths (an admission, a take) only for a lane that has parked events: a lane
     * starts waiting only in a failure, a retry or a revocation, which recount it themselves.
     */
    void recount(Lane lane) {
        int waiting = lane.waitingForRetry() ? lane.queue.size() : 0;
        if (waiting != lane.parked) {
            int delta = waiting - lane.parked;
            lane.parked = waiting;
            bound.parked(delta);
        }
    }

    /**
     * Right after the attempt, on the thread that ran it: applies its outcome.
     *
     * @return events to acknowledge now, in order, or null
     */
    List<Delivery> finish(Delivery d, int epoch, Outcome outcome) {
        switch (outcome) {
            case FAILED:
                return null; // applied by failed(), where it happened
            case ACKNOWLEDGED:
                // its key's oldest, acknowledged by the thread: nothing was started after it meanwhile
                d.lane.started.removeAcknowledged(d);
                endRun(d);
                leaveSequence(d);
                bound.left();
                return null;
            default:
                endRun(d);
                if (d.epoch != epoch) {
                    staleRun(d);
                    return null;
                }
                if (!d.sequenced || d.stage != Stage.RUNNING) {
                    return null; // a confirmation callback got there first
                }
                if (outcome == Outcome.CONFIRMING) {
                    d.stage = Stage.CONFIRMING;
                    return null;
                }
                d.stage = Stage.DONE;
                return d.lane.started.ackable();
        }
    }

    /** Its outputs or its dead letter were confirmed; @return events to acknowledge now, or null. */
    List<Delivery> confirmed(Delivery d, int epoch) {
        if (d.epoch != epoch || !d.sequenced) {
            return null;
        }
        d.stage = Stage.DONE;
        return d.lane.started.ackable();
    }

    /**
     * An attempt failed. The key's later events started meanwhile are rewound; the event waits for its
     * retry in the process, or is marked for a hand-off to the broker or a dead letter.
     *
     * @param verdict the retry decision's, or null to decide here
     * @param byRunner whether the thread that ran the attempt reports it (its processing threw)
     * @param now when it failed
     * @return what the caller does next, outside the lock
     */
    Failure failed(Delivery d, int epoch, Throwable e, RetryPolicy.Verdict verdict, boolean byRunner, Instant now) {
        if (byRunner) {
            endRun(d);
        }
        if (d.epoch != epoch || !d.sequenced) {
            if (d.epoch != epoch && byRunner) {
                staleRun(d);
            }
            return Failure.IGNORED;
        }
        rewindAfter(d);
        if (d.firstFailure == null) {
            d.firstFailure = now;
        }
        d.lastFailure = now;
        RetryPolicy.Verdict v = verdict != null ? verdict : retries.decide(d.attempt, e);
        if (v.deadLetterReason() != null) {
            d.stage = Stage.CONFIRMING;
            lanes.kick(d.lane); // events rewound behind a dead letter may run again at once
            recount(d.lane);
            return new Failure(Failure.Next.DEAD_LETTER, v, d.attempt, d.firstFailure, d.lastFailure);
        }
        if (v.toBroker() && !d.revoked) {
            // it stays started until the broker stored the copy; the lane starts nothing meanwhile
            d.stage = Stage.CONFIRMING;
            d.lane.handOff = d;
            recount(d.lane);
            return new Failure(Failure.Next.HAND_OFF, v, d.attempt, d.firstFailure, d.lastFailure);
        }
        d.lane.started.remove(d);
        leaveSequence(d);
        d.stage = Stage.QUEUED;
        requeueForRetry(d, System.nanoTime() + v.delayNanos());
        recount(d.lane);
        lanes.forgetIfIdle(d.lane); // rewound events of a revoked partition were dropped
        return new Failure(Failure.Next.RETRY_HERE, v, d.attempt, d.firstFailure, d.lastFailure);
    }

    /** The broker stored the copy for the delayed retry; @return events to acknowledge now, or null. */
    List<Delivery> handedOff(Delivery d, int epoch) {
        if (d.epoch != epoch || !d.sequenced) {
            return null;
        }
        d.lane.handOff = null;
        d.stage = Stage.DONE;
        List<Delivery> acks = d.lane.started.ackable();
        lanes.kick(d.lane);
        return acks;
    }

    /** The broker did not store the copy: the retry waits in the process until {@code due}. */
    void retryHere(Delivery d, int epoch, long due) {
        if (d.epoch != epoch || !d.sequenced) {
            return;
        }
        d.lane.handOff = null;
        d.lane.started.remove(d); // the lane started nothing after it while it was handed off
        leaveSequence(d);
        d.stage = Stage.QUEUED;
        requeueForRetry(d, due);
        recount(d.lane);
        lanes.forgetIfIdle(d.lane);
    }

    /**
     * The dead-letter destination refused the dead letter.
     *
     * @return whether to send it again; false when the refusal is stale, or the dispatcher is stopping
     *     (the event then stays unacknowledged, with every later one of its key, for the next consumer)
     */
    boolean deadLetterRefused(Delivery d, int epoch) {
        if (d.epoch != epoch || !d.sequenced) {
            return false;
        }
        if (!closing) {
            return true;
        }
        rewindAfter(d);
        d.lane.started.remove(d);
        leaveSequence(d);
        d.stage = Stage.QUEUED;
        d.lane.queue.addFirst(d);
        recount(d.lane);
        lock.notifyAll();
        return false;
    }

    /** Acknowledges it to the transport unless it was abandoned. Any thread, no lock needed. */
    void acknowledge(Delivery d) {
        if (!d.abandoned && !abandonAll) {
            d.message.ack();
        }
    }

    /** After they were acknowledged: they leave; @return more of the lane's to acknowledge, or null. */
    List<Delivery> acknowledged(Lane lane, List<Delivery> acked) {
        boolean wake = closing;
        for (Delivery d : acked) {
            leaveSequence(d);
            bound.left();
            wake |= d.revoked;
        }
        List<Delivery> more = lane.started.acknowledged();
        lanes.forgetIfIdle(lane);
        if (wake) {
            lock.notifyAll();
        }
        return more;
    }

    /** It leaves unacknowledged (revoked partition): the broker delivers it again elsewhere. */
    void drop(Delivery d) {
        d.cancelRetry();
        d.abandoned = true;
        bound.left();
    }

    // ---------------------------------------------------------------- stop and revocation

    /** Stops for good: nothing starts any more, the subscription stays paused, pending retry delays end. */
    void stop(Iterable<Lane> all) {
        closing = true;
        bound.stop();
        for (Lane lane : all) {
            for (Delivery d = lane.queue.first(); d != null; d = d.next) {
                d.cancelRetry();
            }
        }
    }

    /**
     * Waits, releasing the lock meanwhile, until no event is running or started and unacknowledged, up
     * to the deadline; then acknowledges nothing more.
     *
     * @return the number of events still running or unconfirmed at the deadline
     */
    int awaitIdle(long deadlineNanos) {
        while (busy > 0 && waitUntil(deadlineNanos)) {
            // woken by left() or a rewind while closing
        }
        abandonAll = true;
        return busy;
    }

    /**
     * Waits, releasing the lock meanwhile, until none of them is running or started, up to the deadline.
     *
     * @return whether they all left in time
     */
    boolean awaitLeft(List<Delivery> deliveries, long deadlineNanos) {
        while (anyHeld(deliveries)) {
            if (!waitUntil(deadlineNanos)) {
                return false;
            }
        }
        return true;
    }

    private static boolean anyHeld(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            if (d.held()) {
                return true;
            }
        }
        return false;
    }

    /** @return false when the deadline passed before the wait */
    private boolean waitUntil(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    // ---------------------------------------------------------------- accounting

    /** The thread is done running it. */
    private void endRun(Delivery d) {
        d.running = false;
        if (!d.sequenced) {
            left(d);
        }
    }

    /** It leaves its lane's acknowledgement sequence (acknowledged, rewound or retried). */
    private void leaveSequence(Delivery d) {
        d.sequenced = false;
        if (!d.running) {
            left(d);
        }
    }

    /** Neither running nor started any more: wakes a graceful stop or a revocation waiting for it. */
    private void left(Delivery d) {
        busy--;
        if (closing || d.revoked) {
            lock.notifyAll();
        }
    }

    /** A run whose event was rewound while it ran did not count as an attempt. */
    private void staleRun(Delivery d) {
        if (d.attempt > 0) {
            d.attempt--;
        }
        if (closing || d.revoked) {
            lock.notifyAll();
        }
    }

    /** Puts every started event of the lane after {@code d} back in its queue, in order. */
    private void rewindAfter(Delivery d) {
        Lane lane = d.lane;
        Delivery e;
        while ((e = lane.started.pollNewerThan(d)) != null) {
            e.epoch++;
            if (lane.handOff == e) {
                lane.handOff = null; // a copy the broker stores anyway is a duplicate
            }
            if (!e.running && e.attempt > 0) {
                e.attempt--; // its run did not fail: it does not count (staleRun undoes a running one)
            }
            leaveSequence(e);
            e.stage = Stage.QUEUED;
            e.notBefore = 0;
            if (e.revoked) {
                drop(e);
            } else {
                lane.queue.addFirst(e);
            }
        }
    }

    /**
     * A delivery out of its lane's sequence waits for its retry at the head of its lane, until
     * {@code due} ({@link System#nanoTime()}); or leaves, when its partition was revoked.
     */
    private void requeueForRetry(Delivery d, long due) {
        Lane lane = d.lane;
        if (d.revoked) {
            drop(d); // its partition belongs to another member now: it retries there
            lanes.kick(lane);
            return;
        }
        lane.queue.addFirst(d);
        if (closing) {
            lock.notifyAll();
            return;
        }
        long delay = due - System.nanoTime();
        if (delay <= 0) {
            lanes.kick(lane);
            return;
        }
        d.notBefore = due;
        d.retry = timer.schedule(new RetryDue(lanes, lane), delay, TimeUnit.NANOSECONDS);
    }

    /** On the timer: a retry delay is over. */
    private record RetryDue(Lanes lanes, Lane lane) implements Runnable {
        @Override
        public void run() {
            lanes.retryDue(lane);
        }
    }
}
