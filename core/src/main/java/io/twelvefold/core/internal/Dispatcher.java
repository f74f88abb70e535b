package io.twelvefold.core.internal;

import io.twelvefold.core.Codec;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import java.time.Instant;
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
 * of its own). A lane is served by at most one worker at a time, so a key's events run one at a
 * time and in order; up to {@code concurrency} lanes run at once. A worker keeps draining its lane
 * without a hand-off while it has work (up to a batch, for fairness). A lane whose head waits
 * for a retry delay or for the broker to confirm emitted events holds no worker: other keys go
 * on, and the transport thread is never blocked. At most {@code max-in-flight} messages are
 * delivered and unacknowledged; at that bound the subscription is paused until half of them
 * completed.
 *
 * <p>A message is acknowledged after the processor returned and every emitted event was
 * confirmed, or after its dead letter was confirmed; never otherwise.
 *
 * @param <T> the payload type
 */
final class Dispatcher<T> implements MessageHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    /** No MDC work per event when the logging backend ignores the MDC. */
    private static final boolean MDC_ON = !(MDC.getMDCAdapter() instanceof NOPMDCAdapter);
    private static final int BATCH = 64;
    private static final int MAX_EXCEPTION_MESSAGE = 1000;

    private final ChannelSettings settings;
    private final Class<T> type;
    private final EventProcessor<T> processor;
    private final Codec codec;
    private final Outputs outputs;
    private final Publisher deadLetters;
    private final Predicate<Throwable> nonRetryable;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final ChannelMetrics metrics;
    private final int resumeAt;

    private final Object lock = new Object();
    private final Map<String, Lane> lanes = new HashMap<>();
    private final Set<Lane> unkeyed = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ArrayDeque<Lane> ready = new ArrayDeque<>();
    private int activeWorkers;
    private int inFlight;
    private int busy;
    private boolean paused;
    private boolean closing;
    /** Volatile: read without the lock on every completion. */
    private volatile boolean abandonAll;
    private volatile String cancelled;
    private Subscription subscription;

    private static final class Lane {
        final String key;
        final ArrayDeque<Delivery> pending = new ArrayDeque<>(4);

        Lane(String key) {
            this.key = key;
        }
    }

    private static final class Delivery {
        final IncomingMessage message;
        int attempt;
        Instant firstFailure;
        Instant lastFailure;
        boolean busy;
        /** Its partition was revoked while it ran: finish it if in time, never retry it. */
        boolean revoked;
        /** Never acknowledge it (revoked and still running at the deadline). */
        volatile boolean abandoned;
        ScheduledFuture<?> retry;

        Delivery(IncomingMessage message) {
            this.message = message;
        }
    }

    Dispatcher(ChannelSettings settings, Class<T> type, EventProcessor<T> processor, Codec codec, Outputs outputs,
            Publisher deadLetters, Predicate<Throwable> nonRetryable, ExecutorService workers,
            ScheduledExecutorService timer, ChannelMetricsFactory metrics) {
        this.settings = settings;
        this.type = type;
        this.processor = processor;
        this.codec = codec;
        this.outputs = outputs;
        this.deadLetters = deadLetters;
        this.nonRetryable = nonRetryable;
        this.workers = workers;
        this.timer = timer;
        this.metrics = metrics.create(settings, this::inFlight);
        this.resumeAt = settings.maxInFlight() / 2;
    }

    /** Creates the meters of a dispatcher once it can report its in-flight count. */
    interface ChannelMetricsFactory {
        ChannelMetrics create(ChannelSettings settings, java.util.function.Supplier<Number> inFlight);
    }

    ChannelSettings settings() {
        return settings;
    }

    /** Attaches the subscription the transport returned; messages may have arrived before. */
    void bind(Subscription s) {
        synchronized (lock) {
            subscription = s;
            if (paused) {
                s.pause();
            }
        }
    }

    int inFlight() {
        synchronized (lock) {
            return inFlight;
        }
    }

    boolean paused() {
        synchronized (lock) {
            return paused || closing;
        }
    }

    /** @return why the broker cancelled the subscription, or null while it has not */
    String cancelled() {
        return cancelled;
    }

    // ---------------------------------------------------------------- transport thread

    @Override
    public void onMessage(IncomingMessage message) {
        metrics.consumed();
        synchronized (lock) {
            if (closing) {
                // Not acknowledged: the transport delivers it again after the subscription closed.
                return;
            }
            inFlight++;
            Delivery d = new Delivery(message);
            String key = message.key();
            Lane lane = key == null ? null : lanes.get(key);
            if (lane == null) {
                lane = new Lane(key);
                if (key == null) {
                    unkeyed.add(lane);
                } else {
                    lanes.put(key, lane);
                }
                lane.pending.add(d);
                dispatch(lane);
            } else {
                lane.pending.add(d);
            }
            if (!paused && inFlight >= settings.maxInFlight()) {
                paused = true;
                if (subscription != null) {
                    subscription.pause();
                }
            }
        }
    }

    @Override
    public void onPartitionsRevoked(Set<Integer> partitions) {
        List<Delivery> running = new ArrayList<>();
        synchronized (lock) {
            List<Lane> all = new ArrayList<>(lanes.values());
            all.addAll(unkeyed);
            for (Lane lane : all) {
                for (Iterator<Delivery> it = lane.pending.iterator(); it.hasNext();) {
                    Delivery d = it.next();
                    if (!partitions.contains(d.message.partition())) {
                        continue;
                    }
                    if (d.busy) {
                        d.revoked = true;
                        running.add(d);
                    } else {
                        if (d.retry != null) {
                            d.retry.cancel(false);
                        }
                        d.abandoned = true;
                        it.remove();
                        inFlight--;
                    }
                }
                if (lane.pending.isEmpty()) {
                    forget(lane);
                }
            }
            maybeResume();
            // The transport commits after this returns: wait for the events of those partitions that
            // are being processed, so their acknowledgements are part of that commit.
            long deadline = System.nanoTime() + settings.processingTimeout().toNanos();
            while (running.stream().anyMatch(d -> d.busy)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("Channel '{}': {} event(s) of revoked partitions {} still running after {}; they will not "
                            + "be acknowledged", settings.channel(), running.stream().filter(d -> d.busy).count(),
                            partitions, settings.processingTimeout());
                    running.forEach(d -> d.abandoned = true);
                    break;
                }
                waitOn(left);
            }
        }
    }

    @Override
    public void onCancelled(String reason) {
        cancelled = reason;
        LOG.error("Channel '{}': the broker cancelled the subscription to '{}': {}", settings.channel(),
                settings.destination(), reason);
    }

    // ---------------------------------------------------------------- workers

    /** Under the lock: runs the lane on a free worker, or queues it. */
    private void dispatch(Lane lane) {
        if (activeWorkers < settings.concurrency()) {
            activeWorkers++;
            workers.execute(() -> run(lane));
        } else {
            ready.addLast(lane);
        }
    }

    /** Under the lock: the next lane for a worker that finished one, or null when it retires. */
    private Lane nextLane() {
        Lane next = ready.pollFirst();
        if (next == null) {
            activeWorkers--;
        }
        return next;
    }

    private void run(Lane first) {
        Lane lane = first;
        int budget = BATCH;
        while (lane != null) {
            Delivery d;
            synchronized (lock) {
                d = lane.pending.peekFirst();
                if (d == null || closing || d.busy) {
                    lane = nextLane();
                    budget = BATCH;
                    continue;
                }
                if (--budget < 0 && !ready.isEmpty()) {
                    ready.addLast(lane);
                    lane = ready.pollFirst();
                    budget = BATCH;
                    continue;
                }
                d.busy = true;
                d.retry = null;
                busy++;
            }
            if (!attempt(lane, d)) {
                synchronized (lock) {
                    lane = nextLane();
                    budget = BATCH;
                }
            }
        }
    }

    /**
     * Runs one attempt of the lane's head.
     *
     * @return true when the delivery is finished and the worker may go on with the lane; false when
     *     the lane waits (retry delay, confirmations) and will be dispatched again
     */
    private boolean attempt(Lane lane, Delivery d) {
        IncomingMessage m = d.message;
        long start = System.nanoTime();
        Attempt ctx;
        try {
            if (d.attempt == 0) {
                Envelopes.validate(m, settings.maxPayloadSize());
            }
            Event<T> event = Envelopes.toEvent(m, codec, type);
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
            return failed(lane, d, e);
        }
        List<CompletableFuture<Void>> sends = ctx.sends;
        if (sends == null || allConfirmed(sends)) {
            metrics.processed(start, true);
            complete(lane, d);
            return true;
        }
        CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).whenComplete((v, err) -> {
            metrics.processed(start, err == null);
            if (err == null) {
                complete(lane, d);
                resume(lane);
            } else if (failed(lane, d, unwrap(err))) {
                resume(lane);
            }
        });
        return false;
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

    /** Handles a failed attempt; same return contract as {@link #attempt}. */
    private boolean failed(Lane lane, Delivery d, Throwable e) {
        Instant now = Instant.now();
        if (d.firstFailure == null) {
            d.firstFailure = now;
        }
        d.lastFailure = now;
        String reason = e instanceof PoisonException ? ((PoisonException) e).reason() : null;
        boolean retryable = reason == null && retryable(e);
        if (retryable && d.attempt < settings.maxAttempts()) {
            long delay = jitter(settings.backoffNanos(d.attempt + 1));
            metrics.retry();
            LOG.debug("Channel '{}': attempt {} of event {} failed, retrying in {} ms: {}", settings.channel(),
                    d.attempt, m(d), delay / 1_000_000, e.toString());
            synchronized (lock) {
                d.busy = false;
                busy--;
                if (d.revoked) {
                    // Its partition belongs to another member now: it will retry there.
                    if (lane.pending.remove(d)) {
                        inFlight--;
                    }
                    if (lane.pending.isEmpty()) {
                        forget(lane);
                    }
                    lock.notifyAll();
                } else if (closing) {
                    lock.notifyAll();
                } else {
                    d.retry = timer.schedule(() -> resume(lane), delay, TimeUnit.NANOSECONDS);
                }
            }
            return false;
        }
        if (reason == null) {
            reason = retryable ? "exhausted" : "fatal";
        }
        return deadLetter(lane, d, e, reason);
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

    private boolean deadLetter(Lane lane, Delivery d, Throwable e, String reason) {
        OutgoingMessage letter = deadLetterOf(d, e, reason);
        metrics.deadLetter(reason);
        LOG.error("Channel '{}': event {} dead-lettered to '{}' ({}, {} attempt(s)): {}: {}", settings.channel(), m(d),
                settings.deadLetterDestination(), reason, d.attempt, exceptionClass(e), e.getMessage());
        return sendDeadLetter(lane, d, letter);
    }

    private boolean sendDeadLetter(Lane lane, Delivery d, OutgoingMessage letter) {
        CompletableFuture<Void> f;
        try {
            f = deadLetters.send(letter);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (f.isDone() && !f.isCompletedExceptionally()) {
            complete(lane, d);
            return true;
        }
        f.whenComplete((v, err) -> {
            if (err == null) {
                complete(lane, d);
                resume(lane);
                return;
            }
            // Never drop: keep the message unacknowledged and try the dead-letter destination again.
            long delay = jitter(settings.backoffNanos(Math.min(d.attempt + 1, 32)));
            LOG.error("Channel '{}': event {} could not be dead-lettered to '{}', retrying in {} ms: {}",
                    settings.channel(), m(d), settings.deadLetterDestination(), delay / 1_000_000, unwrap(err).toString());
            synchronized (lock) {
                if (closing) {
                    d.busy = false;
                    busy--;
                    lock.notifyAll();
                    return;
                }
            }
            timer.schedule(() -> {
                if (sendDeadLetter(lane, d, letter)) {
                    resume(lane);
                }
            }, delay, TimeUnit.NANOSECONDS);
        });
        return false;
    }

    private OutgoingMessage deadLetterOf(Delivery d, Throwable e, String reason) {
        IncomingMessage m = d.message;
        Map<String, String> headers = new LinkedHashMap<>(m.headers());
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

    /** The delivery is finished: acknowledge it (unless abandoned) and release its slot. */
    private void complete(Lane lane, Delivery d) {
        if (!d.abandoned && !abandonAll) {
            // Outside the lock: a transport may hold its own lock while it calls onMessage.
            d.message.ack();
        }
        synchronized (lock) {
            d.busy = false;
            busy--;
            boolean removed = lane.pending.peekFirst() == d ? lane.pending.pollFirst() != null : lane.pending.remove(d);
            if (removed) {
                inFlight--;
            }
            if (lane.pending.isEmpty()) {
                forget(lane);
            }
            maybeResume();
            if (closing || d.revoked) {
                lock.notifyAll();
            }
        }
    }

    /** Under the lock: a lane with nothing pending is no longer the lane of its key. */
    private void forget(Lane lane) {
        if (lane.key == null) {
            unkeyed.remove(lane);
        } else {
            lanes.remove(lane.key, lane);
        }
    }

    /** Under the lock. */
    private void maybeResume() {
        if (paused && !closing && inFlight <= resumeAt) {
            paused = false;
            if (subscription != null) {
                subscription.resume();
            }
        }
    }

    /** A waiting lane may go on (retry delay elapsed, confirmations arrived). */
    private void resume(Lane lane) {
        synchronized (lock) {
            if (!closing && !lane.pending.isEmpty()) {
                dispatch(lane);
            }
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
    void stopFetching() {
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            if (subscription != null) {
                subscription.pause();
            }
            for (Lane lane : allLanes()) {
                for (Delivery d : lane.pending) {
                    if (d.retry != null) {
                        d.retry.cancel(false);
                    }
                }
            }
        }
    }

    /**
     * Step 3: waits until no event is being processed or confirmed, up to the deadline.
     *
     * @return the number of events still running at the deadline (they will not be acknowledged)
     */
    int awaitIdle(long deadlineNanos) {
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
    void closeSubscription() {
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
        all.addAll(ready);
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
            emit(channel, outputs.newEvent(payload, event.key().orElse(null)));
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
