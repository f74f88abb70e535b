package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.helpers.NOPMDCAdapter;

/**
 * The delivery contract of one subscribed channel (design.md section 3), independent of the
 * transport.
 *
 * <p>Messages are queued in <em>lanes</em>, one per partition key (an unkeyed message gets a lane
 * of its own). A lane is held by at most one worker at a time, so a key's events run one at a
 * time and in order; up to {@code concurrency} lanes run at once. A worker keeps draining its lane
 * without a hand-off while it has work (up to a batch, for fairness).
 *
 * <p><b>Pipelining.</b> When the processor returns, the worker goes on with the key's next event
 * at once; it does not wait for the broker to confirm what the event emitted. A lane therefore
 * holds, in order, the events it has <em>taken</em> (running, confirming their outputs, or done
 * and waiting for an earlier event of the key) and the events it has not started yet. An event is
 * acknowledged when it is done and every earlier event of its key was acknowledged, so
 * acknowledgements of a key go in order. Sends of one key happen one after another, and the
 * transports keep them in order (see {@link Publisher#send}). If a confirmation fails, the lane
 * <em>rewinds</em>: the failed event is retried (or dead-lettered) and every later event of the key
 * that was already processed is processed again after it, so the key's outputs end in input order
 * and nothing taken after the failure is acknowledged before it.
 *
 * <p>A lane whose head waits for a retry delay holds no worker: other keys go on, and the
 * transport thread is never blocked. A retry whose backoff reaches {@code retry.broker-delay-from}
 * is handed to the broker instead, when the transport can ({@link IncomingMessage#redeliverLater}):
 * the lane waits only until the broker stored the copy (which carries the attempt count and the
 * first failure), the message is then acknowledged, and the key's next events go on; the copy
 * comes back as a new delivery, and the count goes on from its headers. If the broker cannot
 * store it, the retry waits in the process after all. At most {@code max-in-flight} messages are delivered and
 * unacknowledged; at that bound the subscription is paused until half of them completed.
 *
 * <p><b>Short attempts on the delivery thread.</b> When the transport allows it
 * ({@link io.twelvefold.core.spi.Capability#INLINE_PROCESSING}) and the attempts take less than
 * {@code inline-below} on average, {@link #onMessage} runs an event whose lane nobody holds itself,
 * holding the lane and a worker slot meanwhile, instead of handing it to a worker: the hand-off
 * (queue, wake-up, context switch) cost as much as such an attempt. Everything else is the same.
 *
 * <p>A message is acknowledged after the processor returned and every emitted event was
 * confirmed, or after its dead letter was confirmed; never otherwise.
 *
 * @param <T> the payload type
 */
public final class Dispatcher<T> implements MessageHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** No MDC work per event when the logging backend ignores the MDC. */
    private static final boolean MDC_ON = !(MDC.getMDCAdapter() instanceof NOPMDCAdapter);
    private static final int BATCH = 64;
    private static final int MAX_EXCEPTION_MESSAGE = 1000;

    // What a worker's attempt left to do under its next lock.
    /** Nothing: the attempt's outcome was handled already (a failure). */
    private static final int HANDLED = 0;
    /** The lane's head, confirmed and acknowledged: remove it. */
    private static final int ACKED = 1;
    /** Confirmed, but an earlier event of the key is not acknowledged yet: mark it done. */
    private static final int CONFIRMED = 2;
    /** Its outputs are being confirmed (a callback is registered). */
    private static final int CONFIRMING = 3;

    // Delivery states.
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    /** Outputs or its dead letter are being confirmed. */
    private static final int SENDING = 2;
    /** Confirmed; acknowledged once every earlier event of the lane is. */
    private static final int DONE = 3;

    private final ChannelSettings settings;
    private final Class<T> type;
    private final EventProcessor<T> processor;
    private final Wire wire;
    private final Outputs outputs;
    private final Publisher deadLetters;
    private final Predicate<Throwable> nonRetryable;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final ChannelMetrics metrics;
    private final int resumeAt;
    /** Attempts shorter than this may run on the delivery thread; 0: never. */
    private final long inlineBelowNanos;
    /**
     * The moving average of the attempts' durations (weight 1/16 per attempt), starting at four times
     * {@link #inlineBelowNanos}, so that a few dozen short attempts come first. Racy by design: a lost
     * update only shifts the average by one sample.
     */
    private volatile long averageAttemptNanos;

    private final Object lock = new Object();
    private final Map<String, Lane> lanes = new HashMap<>();
    private final Set<Lane> unkeyed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private int activeWorkers;
    /** Delivered and neither acknowledged nor dropped. */
    private int inFlight;
    /** Running, or taken and not yet acknowledged (what a graceful stop waits for). */
    private int busy;
    private boolean paused;
    private boolean closing;
    /** Volatile: read without the lock on every acknowledgement. */
    private volatile boolean abandonAll;
    private volatile String cancelled;
    /** The transport returned no future from redeliverLater: retries all wait in the process. */
    private volatile boolean cannotRedeliverLater;
    private Subscription subscription;

    private static final class Lane {
        final String key;
        /** Started and not acknowledged, in delivery order. */
        final ArrayDeque<Delivery> taken = new ArrayDeque<>(4);
        /** Not started (or to run again), in delivery order. */
        final ArrayDeque<Delivery> queue = new ArrayDeque<>(4);
        /** Held by a worker or waiting in the ready queue: nobody else may run it. */
        boolean scheduled;
        /** Done, left the taken list, to be acknowledged in this order. */
        List<Delivery> acks;
        /** A thread is acknowledging the lane's events: others leave theirs to it, so acks go in order. */
        boolean acking;
        /**
         * Its last taken event, being handed to the broker for a delayed retry: nothing else of the
         * key is taken until the broker stored the copy, so that falling back to a retry in the
         * process never has later events to rewind.
         */
        Delivery handOff;

        Lane(String key) {
            this.key = key;
        }
    }

    private static final class Delivery {
        final IncomingMessage message;
        int attempt;
        Instant firstFailure;
        Instant lastFailure;
        /** Its first attempt started: validated, and the attempt count taken over from a broker retry. */
        boolean opened;
        /** It is a broker's copy for a delayed retry: the retry headers are left out of its event. */
        boolean retried;
        int state = QUEUED;
        /** Bumped on every take and rewind: outcomes and callbacks of an older run are ignored. */
        int epoch;
        /** A worker is running the processor on it. */
        boolean running;
        /** In its lane's taken list, or being acknowledged. */
        boolean inTaken;
        /** Not to be started before this {@link System#nanoTime()}; 0 for at once. */
        long notBefore;
        /** Its partition was revoked while it ran: finish it if in time, never retry it. */
        boolean revoked;
        /** Never acknowledge it (dropped, or revoked and still running at the deadline). */
        volatile boolean abandoned;
        ScheduledFuture<?> retry;

        Delivery(IncomingMessage message) {
            this.message = message;
        }

        /** Running, or taken and not yet acknowledged: a graceful stop or a revocation waits for it. */
        boolean held() {
            return running || inTaken;
        }
    }

    /**
     * @param inlineBelowNanos when the transport lets its delivery thread run the processor: while the
     *     attempts take less than this on average, an event whose key nobody holds runs there instead of
     *     on a worker; 0 for never
     */
    public Dispatcher(ChannelSettings settings, Class<T> type, EventProcessor<T> processor, Wire wire, Outputs outputs,
            Publisher deadLetters, Predicate<Throwable> nonRetryable, ExecutorService workers,
            ScheduledExecutorService timer, ChannelMetricsFactory metrics, long inlineBelowNanos) {
        this.inlineBelowNanos = inlineBelowNanos;
        this.averageAttemptNanos = 4 * inlineBelowNanos;
        this.settings = settings;
        this.type = type;
        this.processor = processor;
        this.wire = wire;
        this.outputs = outputs;
        this.deadLetters = deadLetters;
        this.nonRetryable = nonRetryable;
        this.workers = workers;
        this.timer = timer;
        this.metrics = metrics.create(settings, this::inFlight);
        this.resumeAt = settings.maxInFlight() / 2;
    }

    /** Creates the meters of a dispatcher once it can report its in-flight count. */
    public interface ChannelMetricsFactory {
        /**
         * @param settings the channel
         * @param inFlight its in-flight count
         * @return the meters
         */
        ChannelMetrics create(ChannelSettings settings, java.util.function.Supplier<Number> inFlight);
    }

    public ChannelSettings settings() {
        return settings;
    }

    /** Attaches the subscription the transport returned; messages may have arrived before. */
    public void bind(Subscription s) {
        synchronized (lock) {
            subscription = s;
            if (paused) {
                s.pause();
            }
        }
    }

    public int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    public boolean paused() {
        synchronized (lock) {
            return paused || closing;
        }
    }

    /** @return why the broker cancelled the subscription, or null while it has not */
    public String cancelled() {
        return cancelled;
    }

    // ---------------------------------------------------------------- transport thread

    @Override
    public void onMessage(IncomingMessage message) {
        metrics.consumed();
        Lane inline = null;
        boolean head = false;
        Delivery d;
        synchronized (lock) {
            if (closing) {
                // Not acknowledged: the transport delivers it again after the subscription closed.
                return;
            }
            inFlight++;
            d = new Delivery(message);
            String key = message.key();
            Lane lane = key == null ? null : lanes.get(key);
            if (lane == null) {
                lane = new Lane(key);
                if (key == null) {
                    unkeyed.add(lane);
                } else {
                    lanes.put(key, lane);
                }
            }
            lane.queue.addLast(d);
            if (!lane.scheduled && lane.queue.peekFirst() == d) {
                if (inlineBelowNanos > 0 && activeWorkers < settings.concurrency()
                        && averageAttemptNanos < inlineBelowNanos
                        && runnable(lane) == d) {
                    // attempts are short and a worker slot is free: run it here, without a hand-off
                    lane.scheduled = true;
                    activeWorkers++;
                    inline = lane;
                    lane.queue.pollFirst();
                    head = take(lane, d);
                } else {
                    dispatch(lane);
                }
            }
            if (!paused && inFlight >= settings.maxInFlight()) {
                paused = true;
                if (subscription != null) {
                    subscription.pause();
                }
            }
        }
        if (inline != null) {
            runInline(inline, d, head);
        }
    }

    @Override
    public void onPartitionsRevoked(Set<Integer> partitions) {
        List<Delivery> running = new ArrayList<>();
        synchronized (lock) {
            for (Lane lane : allLanes()) {
                for (Iterator<Delivery> it = lane.queue.iterator(); it.hasNext();) {
                    Delivery d = it.next();
                    if (partitions.contains(d.message.partition())) {
                        it.remove();
                        drop(d);
                    }
                }
                for (Delivery d : lane.taken) {
                    if (partitions.contains(d.message.partition())) {
                        d.revoked = true;
                        running.add(d);
                    }
                }
                maybeForget(lane);
            }
            maybeResume();
            // The transport commits after this returns: wait for the events of those partitions that
            // are being processed or confirmed, so their acknowledgements are part of that commit.
            long deadline = System.nanoTime() + settings.processingTimeout().toNanos();
            while (anyBusy(running)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    List<Delivery> late = new ArrayList<>();
                    for (Delivery d : running) {
                        if (d.held()) {
                            late.add(d);
                        }
                    }
                    LOG.warn("Channel '{}': {} event(s) of revoked partitions {} still running after {}; they will not "
                            + "be acknowledged", settings.channel(), late.size(), partitions, settings.processingTimeout());
                    late.forEach(d -> d.abandoned = true);
                    break;
                }
                waitOn(left);
            }
        }
    }

    private static boolean anyBusy(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            if (d.held()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onCancelled(String reason) {
        cancelled = reason;
        LOG.error("Channel '{}': the broker cancelled the subscription to '{}': {}", settings.channel(),
                settings.destination(), reason);
    }

    // ---------------------------------------------------------------- lanes (all under the lock)

    /** Runs the lane on a free worker, or queues it. */
    private void dispatch(Lane lane) {
        lane.scheduled = true;
        if (activeWorkers < settings.concurrency()) {
            activeWorkers++;
            workers.execute(() -> run(lane));
        } else {
            ready.addLast(lane);
        }
    }

    /** Dispatches a lane nobody holds if its next event may start now. */
    private void kick(Lane lane) {
        if (!lane.scheduled && runnable(lane) != null) {
            dispatch(lane);
        }
    }

    /** @return the event the lane's holder may start now, or null */
    private Delivery runnable(Lane lane) {
        Delivery h = lane.queue.peekFirst();
        if (h == null || closing || lane.handOff != null) {
            return null;
        }
        if (h.notBefore != 0 && h.notBefore - System.nanoTime() > 0) {
            return null;
        }
        return h;
    }

    /** The worker gives the lane up; @return the next lane for it, or null when it retires. */
    private Lane release(Lane lane) {
        lane.scheduled = false;
        maybeForget(lane);
        Lane next = ready.pollFirst();
        if (next == null) {
            activeWorkers--;
        }
        return next;
    }

    /** A lane with nothing in it and nobody holding it is no longer the lane of its key. */
    private void maybeForget(Lane lane) {
        if (!lane.scheduled && !lane.acking && lane.taken.isEmpty() && lane.queue.isEmpty()) {
            if (lane.key == null) {
                unkeyed.remove(lane);
            } else {
                lanes.remove(lane.key, lane);
            }
        }
    }

    /** It leaves the taken list (acknowledged, rewound or retried). */
    private void leaveTaken(Delivery d) {
        d.inTaken = false;
        if (!d.running) {
            left(d);
        }
    }

    /** The worker is done running it. */
    private void leaveRunning(Delivery d) {
        d.running = false;
        if (!d.inTaken) {
            left(d);
        }
    }

    /** It is neither running nor taken any more: wake a graceful stop or a revocation waiting for it. */
    private void left(Delivery d) {
        busy--;
        if (closing || d.revoked) {
            lock.notifyAll();
        }
    }

    /** It leaves the dispatcher unacknowledged (revoked partition): the broker delivers it again elsewhere. */
    private void drop(Delivery d) {
        if (d.retry != null) {
            d.retry.cancel(false);
            d.retry = null;
        }
        d.abandoned = true;
        inFlight--;
    }

    /** Puts every taken event after {@code d} back in the queue, in order. */
    private void rewindAfter(Lane lane, Delivery d) {
        while (!lane.taken.isEmpty() && lane.taken.peekLast() != d) {
            Delivery e = lane.taken.pollLast();
            e.epoch++;
            if (lane.handOff == e) {
                // its hand-off no longer counts (a copy the broker stores anyway is a duplicate)
                lane.handOff = null;
            }
            if (!e.running && e.attempt > 0) {
                // this run did not fail: it does not count as an attempt (the worker undoes a running one)
                e.attempt--;
            }
            leaveTaken(e);
            e.state = QUEUED;
            e.notBefore = 0;
            if (e.revoked) {
                drop(e);
            } else {
                lane.queue.addFirst(e);
            }
        }
    }

    /**
     * Moves the lane's done prefix (its done events up to the first one that is not) to the events to
     * acknowledge.
     *
     * @return the events the caller must acknowledge now, in order, or null (none, or another thread
     *     is acknowledging the lane's events and takes these too)
     */
    private static List<Delivery> ackable(Lane lane) {
        Delivery h = lane.taken.peekFirst();
        while (h != null && h.state == DONE) {
            if (lane.acks == null) {
                lane.acks = new ArrayList<>(2);
            }
            lane.acks.add(lane.taken.pollFirst());
            h = lane.taken.peekFirst();
        }
        if (lane.acking || lane.acks == null) {
            return null;
        }
        lane.acking = true;
        List<Delivery> acks = lane.acks;
        lane.acks = null;
        return acks;
    }

    /**
     * Under the lock, after they were acknowledged: they leave.
     *
     * @return more events of the lane to acknowledge, or null
     */
    private List<Delivery> settle(Lane lane, List<Delivery> acked) {
        boolean notify = closing;
        for (Delivery d : acked) {
            leaveTaken(d);
            inFlight--;
            notify |= d.revoked;
        }
        List<Delivery> more = lane.acks;
        lane.acks = null;
        lane.acking = more != null;
        maybeForget(lane);
        maybeResume();
        if (notify) {
            lock.notifyAll();
        }
        return more;
    }

    /** Acknowledges them (outside the lock: a transport may hold its own lock while it calls onMessage). */
    private void ackAll(Lane lane, List<Delivery> acks) {
        while (acks != null) {
            for (Delivery d : acks) {
                ack(d);
            }
            synchronized (lock) {
                acks = settle(lane, acks);
            }
        }
    }

    private void ack(Delivery d) {
        if (!d.abandoned && !abandonAll) {
            d.message.ack();
        }
    }

    private void maybeResume() {
        if (paused && !closing && inFlight <= resumeAt) {
            paused = false;
            if (subscription != null) {
                subscription.resume();
            }
        }
    }

    // ---------------------------------------------------------------- workers

    private void run(Lane first) {
        Lane lane = first;
        int budget = BATCH;
        // the outcome of the previous attempt, applied under the next lock
        Delivery last = null;
        int lastEpoch = 0;
        int outcome = HANDLED;
        while (true) {
            Delivery d = null;
            boolean head = false;
            List<Delivery> toAck = null;
            Lane toAckLane = lane;
            synchronized (lock) {
                if (outcome != HANDLED) {
                    toAck = apply(lane, last, lastEpoch, outcome);
                    outcome = HANDLED;
                }
                while (lane != null) {
                    Delivery h = runnable(lane);
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
                    head = take(lane, h);
                    d = h;
                    break;
                }
            }
            if (toAck != null) {
                ackAll(toAckLane, toAck);
            }
            if (d == null) {
                return;
            }
            last = d;
            lastEpoch = d.epoch;
            outcome = attempt(lane, d, lastEpoch, head);
        }
    }

    /**
     * Under the lock: the lane's holder takes its runnable head, already polled from the queue.
     *
     * @return whether it is the lane's oldest unacknowledged event (a confirmed attempt acknowledges it at once)
     */
    private boolean take(Lane lane, Delivery h) {
        h.notBefore = 0;
        h.retry = null;
        h.epoch++;
        h.state = RUNNING;
        h.running = true;
        h.inTaken = true;
        busy++;
        boolean head = lane.taken.isEmpty() && !lane.acking;
        lane.taken.addLast(h);
        return head;
    }

    /**
     * One attempt on the delivery thread (the transport's, in {@link #onMessage}), which holds the lane
     * and counts as a worker meanwhile; then the lane, if it has more to run, and the lanes waiting for
     * a worker go to the workers.
     */
    private void runInline(Lane lane, Delivery d, boolean head) {
        int epoch = d.epoch;
        int outcome = attempt(lane, d, epoch, head);
        List<Delivery> toAck = null;
        synchronized (lock) {
            if (outcome != HANDLED) {
                toAck = apply(lane, d, epoch, outcome);
            }
            // like a worker: it keeps the lane if it has more to run, else gives its slot to a waiting lane
            Lane next = runnable(lane) != null ? lane : release(lane);
            if (next != null) {
                workers.execute(() -> run(next));
            }
        }
        if (toAck != null) {
            ackAll(lane, toAck);
        }
    }

    /** Under the lock: applies what a worker's attempt left to do; @return events to acknowledge, or null. */
    private List<Delivery> apply(Lane lane, Delivery d, int epoch, int outcome) {
        if (outcome == ACKED) {
            // the head of the lane, acknowledged by the worker: nothing could have been taken after it
            lane.taken.pollFirst();
            d.running = false;
            d.inTaken = false;
            busy--;
            inFlight--;
            maybeResume();
            if (closing || d.revoked) {
                lock.notifyAll();
            }
            return null;
        }
        leaveRunning(d);
        if (d.epoch != epoch) {
            staleRun(d);
            return null;
        }
        if (!d.inTaken || d.state != RUNNING) {
            // a confirmation callback got there first
            return null;
        }
        if (outcome == CONFIRMING) {
            d.state = SENDING;
            return null;
        }
        d.state = DONE;
        return ackable(lane);
    }

    /** Under the lock: a run whose event was rewound while it ran: it did not count. */
    private void staleRun(Delivery d) {
        if (d.attempt > 0) {
            d.attempt--;
        }
        if (closing || d.revoked) {
            lock.notifyAll();
        }
    }

    /**
     * Runs one attempt of an event the worker took.
     *
     * @return what is left to do under the worker's next lock
     */
    private int attempt(Lane lane, Delivery d, int epoch, boolean head) {
        IncomingMessage m = d.message;
        long start = System.nanoTime();
        Attempt ctx;
        try {
            if (!d.opened) {
                d.opened = true;
                takeOverAttempts(d);
                wire.validate(m);
            }
            Event<T> event = wire.toEvent(m, type, d.retried);
            d.attempt++;
            ctx = new Attempt(event, d.attempt, start);
            ctx.enterMdc();
            try {
                processor.process(event, ctx);
            } finally {
                ctx.exitMdc();
            }
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            metrics.processed(start, false);
            timed(start);
            failed(lane, d, epoch, e, true);
            return HANDLED;
        }
        timed(start);
        List<CompletableFuture<Void>> sends = ctx.sends;
        if (sends == null || allConfirmed(sends)) {
            metrics.processed(start, true);
            if (head) {
                ack(d);
                return ACKED;
            }
            return CONFIRMED;
        }
        CompletableFuture<Void> all = sends.size() == 1 ? sends.get(0)
                : CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0]));
        all.whenComplete((v, err) -> {
            metrics.processed(start, err == null);
            if (err == null) {
                confirmed(lane, d, epoch);
            } else {
                failed(lane, d, epoch, unwrap(err), false);
            }
        });
        return CONFIRMING;
    }

    /** Adds the attempt's duration to the average that decides where attempts run. */
    private void timed(long start) {
        if (inlineBelowNanos > 0) {
            long avg = averageAttemptNanos;
            averageAttemptNanos = avg + ((System.nanoTime() - start - avg) >> 4);
        }
    }

    private static boolean allConfirmed(List<CompletableFuture<Void>> sends) {
        for (CompletableFuture<Void> f : sends) {
            if (!f.isDone() || f.isCompletedExceptionally()) {
                return false;
            }
        }
        return true;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Its outputs or its dead letter were confirmed: it is done; acknowledge what that makes acknowledgeable. */
    private void confirmed(Lane lane, Delivery d, int epoch) {
        List<Delivery> acks;
        synchronized (lock) {
            if (d.epoch != epoch || !d.inTaken) {
                return;
            }
            d.state = DONE;
            acks = ackable(lane);
        }
        ackAll(lane, acks);
    }

    /**
     * An attempt failed: the processor threw ({@code byWorker}) or an output was refused. Later events
     * of the key taken meanwhile are rewound; the event is retried after a delay or dead-lettered.
     */
    private void failed(Lane lane, Delivery d, int epoch, Throwable e, boolean byWorker) {
        Instant now = Instant.now();
        String reason = e instanceof PoisonException ? ((PoisonException) e).reason() : null;
        boolean retryable = reason == null && retryable(e);
        long handOffDelay = 0;
        Map<String, String> handOffHeaders = null;
        synchronized (lock) {
            if (byWorker) {
                leaveRunning(d);
            }
            if (d.epoch != epoch || !d.inTaken) {
                if (d.epoch != epoch && byWorker) {
                    staleRun(d);
                }
                return;
            }
            rewindAfter(lane, d);
            if (d.firstFailure == null) {
                d.firstFailure = now;
            }
            d.lastFailure = now;
            if (retryable && d.attempt < settings.maxAttempts()) {
                long backoff = settings.backoffNanos(d.attempt + 1);
                long delay = jitter(backoff);
                metrics.retry();
                if (!d.revoked && settings.brokerRetry(backoff) && !cannotRedeliverLater) {
                    LOG.debug("Channel '{}': attempt {} of event {} failed, handing the retry to the broker with a "
                            + "delay of {} ms: {}", settings.channel(), d.attempt, m(d), delay / 1_000_000, e.toString());
                    // it stays taken until the broker stored the copy; the lane takes nothing meanwhile
                    d.state = SENDING;
                    lane.handOff = d;
                    handOffDelay = delay;
                    handOffHeaders = Map.of(Envelopes.RETRY_ATTEMPTS, Integer.toString(d.attempt),
                            Envelopes.RETRY_FIRST_FAILURE, d.firstFailure.toString());
                } else {
                    LOG.debug("Channel '{}': attempt {} of event {} failed, retrying in {} ms: {}", settings.channel(),
                            d.attempt, m(d), delay / 1_000_000, e.toString());
                    lane.taken.pollLast();
                    leaveTaken(d);
                    d.state = QUEUED;
                    requeueForRetry(lane, d, System.nanoTime() + delay);
                    // rewound events of a revoked partition were dropped
                    maybeForget(lane);
                    return;
                }
            } else {
                d.state = SENDING;
                // events rewound behind a dead letter may run again at once
                kick(lane);
            }
        }
        if (handOffHeaders != null) {
            handOff(lane, d, epoch, handOffDelay, handOffHeaders);
            return;
        }
        deadLetter(lane, d, epoch, e, reason != null ? reason : retryable ? "exhausted" : "fatal");
    }

    /**
     * Under the lock: a delivery that left the taken list waits for its retry at the head of its
     * lane, until {@code due} ({@link System#nanoTime()}); or leaves, when its partition was revoked.
     */
    private void requeueForRetry(Lane lane, Delivery d, long due) {
        if (d.revoked) {
            // Its partition belongs to another member now: it will retry there.
            drop(d);
            kick(lane);
            return;
        }
        lane.queue.addFirst(d);
        if (closing) {
            lock.notifyAll();
            return;
        }
        long delay = due - System.nanoTime();
        if (delay <= 0) {
            kick(lane);
            return;
        }
        d.notBefore = due;
        d.retry = timer.schedule(() -> resume(lane), delay, TimeUnit.NANOSECONDS);
    }

    /**
     * Hands a retry to the broker: it stores a copy of the message that comes back to this group
     * after {@code delay}, with the attempt count in its headers. The message is acknowledged once
     * the copy is stored; if it cannot be, the retry waits in the process as usual. Outside the lock.
     */
    private void handOff(Lane lane, Delivery d, int epoch, long delay, Map<String, String> headers) {
        long due = System.nanoTime() + delay;
        CompletableFuture<Void> f;
        try {
            f = d.message.redeliverLater(Duration.ofNanos(delay), headers);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (f == null) {
            if (!cannotRedeliverLater) {
                cannotRedeliverLater = true;
                LOG.warn("Channel '{}': the transport cannot redeliver a message later, so "
                        + "twelvefold.channels.{}.retry.broker-delay-from ({} ms) has no effect: retries wait in the "
                        + "process", settings.channel(), settings.channel(), settings.brokerDelayFrom().toMillis());
            }
            retryHere(lane, d, epoch, due);
            return;
        }
        f.whenComplete((v, err) -> {
            if (err == null) {
                handedOff(lane, d, epoch);
            } else {
                LOG.warn("Channel '{}': the broker did not store event {} for its retry in {} ms; it waits in the "
                        + "process instead: {}", settings.channel(), m(d), delay / 1_000_000, unwrap(err).toString());
                retryHere(lane, d, epoch, due);
            }
        });
    }

    /** The broker stored the copy: the message is done (acknowledged in its key's order), and the lane goes on. */
    private void handedOff(Lane lane, Delivery d, int epoch) {
        List<Delivery> acks;
        synchronized (lock) {
            if (d.epoch != epoch || !d.inTaken) {
                return;
            }
            lane.handOff = null;
            d.state = DONE;
            acks = ackable(lane);
            kick(lane);
        }
        ackAll(lane, acks);
    }

    /** The broker did not store the copy: the retry waits in the process, at the head of its lane. */
    private void retryHere(Lane lane, Delivery d, int epoch, long due) {
        synchronized (lock) {
            if (d.epoch != epoch || !d.inTaken) {
                return;
            }
            lane.handOff = null;
            // the lane took nothing after it while it was handed off
            lane.taken.removeLastOccurrence(d);
            leaveTaken(d);
            d.state = QUEUED;
            requeueForRetry(lane, d, due);
            maybeForget(lane);
        }
    }

    /**
     * At its first attempt: a copy the broker delivered again for a delayed retry goes on with the
     * attempt count and the first failure of the delivery it was made from.
     */
    private void takeOverAttempts(Delivery d) {
        Map<String, String> headers = d.message.headers();
        String attempts = headers.get(Envelopes.RETRY_ATTEMPTS);
        if (attempts == null) {
            return;
        }
        d.retried = true;
        String first = headers.get(Envelopes.RETRY_FIRST_FAILURE);
        try {
            int made = Integer.parseInt(attempts.strip());
            Instant firstFailure = first == null ? null : Instant.parse(first.strip());
            if (made >= 1) {
                d.attempt = made;
                d.firstFailure = firstFailure;
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            LOG.warn("Channel '{}': event {} has malformed retry headers ({}: '{}', {}: '{}'); its attempts are counted "
                    + "from 1", settings.channel(), m(d), Envelopes.RETRY_ATTEMPTS, attempts,
                    Envelopes.RETRY_FIRST_FAILURE, first);
        }
    }

    private boolean retryable(Throwable e) {
        if (e instanceof ProcessingException && !((ProcessingException) e).retryable()) {
            return false;
        }
        return !nonRetryable.test(e);
    }

    private long jitter(long nanos) {
        double j = settings.backoffJitter();
        if (j == 0) {
            return nanos;
        }
        double factor = 1 + j * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return (long) (nanos * factor);
    }

    private void deadLetter(Lane lane, Delivery d, int epoch, Throwable e, String reason) {
        OutgoingMessage letter = deadLetterOf(d, e, reason);
        metrics.deadLetter(reason);
        LOG.error("Channel '{}': event {} dead-lettered to '{}' ({}, {} attempt(s)): {}: {}", settings.channel(), m(d),
                settings.deadLetterDestination(), reason, d.attempt, exceptionClass(e), e.getMessage());
        sendDeadLetter(lane, d, epoch, letter);
    }

    private void sendDeadLetter(Lane lane, Delivery d, int epoch, OutgoingMessage letter) {
        CompletableFuture<Void> f;
        try {
            f = deadLetters.send(letter);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, err) -> {
            if (err == null) {
                confirmed(lane, d, epoch);
                return;
            }
            // Never drop: keep the message unacknowledged and try the dead-letter destination again.
            long delay = jitter(settings.backoffNanos(Math.min(d.attempt + 1, 32)));
            LOG.error("Channel '{}': event {} could not be dead-lettered to '{}', retrying in {} ms: {}",
                    settings.channel(), m(d), settings.deadLetterDestination(), delay / 1_000_000, unwrap(err).toString());
            synchronized (lock) {
                if (d.epoch != epoch || !d.inTaken) {
                    return;
                }
                if (closing) {
                    // Left unacknowledged, with everything after it, for the next consumer.
                    rewindAfter(lane, d);
                    lane.taken.removeLastOccurrence(d);
                    leaveTaken(d);
                    d.state = QUEUED;
                    lane.queue.addFirst(d);
                    lock.notifyAll();
                    return;
                }
            }
            timer.schedule(() -> sendDeadLetter(lane, d, epoch, letter), delay, TimeUnit.NANOSECONDS);
        });
    }

    private OutgoingMessage deadLetterOf(Delivery d, Throwable e, String reason) {
        IncomingMessage m = d.message;
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
        headers.put(DeadLetterHeaders.ATTEMPTS, Integer.toString(d.attempt));
        headers.put(DeadLetterHeaders.FIRST_FAILURE, d.firstFailure.toString());
        headers.put(DeadLetterHeaders.LAST_FAILURE, d.lastFailure.toString());
        return new OutgoingMessage(m.key(), m.attributes(), headers, m.payload());
    }

    /** The class users should see: the cause of a poison message, not our internal wrapper. */
    private static String exceptionClass(Throwable e) {
        if (e instanceof PoisonException) {
            return e.getCause() != null ? e.getCause().getClass().getName() : ProcessingException.class.getName();
        }
        return e.getClass().getName();
    }

    /** A retry delay elapsed. */
    private void resume(Lane lane) {
        synchronized (lock) {
            kick(lane);
        }
    }

    private void waitOn(long nanos) {
        try {
            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String m(Delivery d) {
        String id = d.message.attributes().get(Envelopes.ID);
        return (id != null ? id : "?") + " (" + d.message.destination() + "/" + d.message.partition() + "@"
                + d.message.offset() + ")";
    }

    // ---------------------------------------------------------------- shutdown

    /** Step 2 of the shutdown order: stop fetching and start no new attempt. */
    public void stopFetching() {
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            if (subscription != null) {
                subscription.pause();
            }
            for (Lane lane : allLanes()) {
                for (Delivery d : lane.queue) {
                    if (d.retry != null) {
                        d.retry.cancel(false);
                        d.retry = null;
                    }
                }
            }
        }
    }

    /**
     * Step 3: waits until no event is being processed or confirmed, up to the deadline.
     *
     * @return the number of events still running or unconfirmed at the deadline (they will not be
     *     acknowledged)
     */
    public int awaitIdle(long deadlineNanos) {
        synchronized (lock) {
            while (busy > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                waitOn(left);
            }
            int left = busy;
            abandonAll = true;
            return left;
        }
    }

    /** Step 5: leave the group; everything not acknowledged is delivered again. */
    public void closeSubscription() {
        Subscription s;
        synchronized (lock) {
            s = subscription;
        }
        if (s != null) {
            s.close();
        }
    }

    private List<Lane> allLanes() {
        List<Lane> all = new ArrayList<>(lanes.values());
        all.addAll(unkeyed);
        return all;
    }

    // ---------------------------------------------------------------- the processor's context

    private final class Attempt implements ProcessorContext {
        private final Event<T> event;
        private final int attempt;
        private final long startNanos;
        /** This hop's trace context, made when first needed: most pass-through steps never need it. */
        private Trace trace;
        List<CompletableFuture<Void>> sends;

        Attempt(Event<T> event, int attempt, long startNanos) {
            this.event = event;
            this.attempt = attempt;
            this.startNanos = startNanos;
        }

        private Trace trace() {
            if (trace == null) {
                trace = Trace.hop(event.headers());
            }
            return trace;
        }

        void enterMdc() {
            if (MDC_ON) {
                Trace t = trace();
                MDC.put("traceId", t.traceId());
                MDC.put("spanId", t.spanId());
                MDC.put("eventId", event.id());
                MDC.put("channel", settings.channel());
            }
        }

        void exitMdc() {
            if (MDC_ON) {
                MDC.remove("traceId");
                MDC.remove("spanId");
                MDC.remove("eventId");
                MDC.remove("channel");
            }
        }

        @Override
        public String traceParent() {
            return trace().traceParent();
        }

        @Override
        public String channel() {
            return settings.channel();
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public int maxAttempts() {
            return settings.maxAttempts();
        }

        @Override
        public Instant deadline() {
            long elapsed = System.nanoTime() - startNanos;
            return Instant.now().plusNanos(settings.processingTimeout().toNanos() - elapsed);
        }

        @Override
        public Map<String, String> headers() {
            return event.headers();
        }

        @Override
        public void emit(String channel, Object payload) {
            emit(channel, outputs.newEvent(channel, payload, event.key().orElse(null)));
        }

        @Override
        public void emit(String channel, Event<?> out) {
            CompletableFuture<Void> f = outputs.send(channel, out, trace());
            if (sends == null) {
                sends = new ArrayList<>(2);
            }
            sends.add(f);
        }
    }
}
