package io.twelvefold.transport.inmemory;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Subscription;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member of a group, with its own delivery thread.
 *
 * <p>The thread loops: handle a revocation, refresh the cursors it owns, reap acknowledged
 * deliveries and fetch a batch (one cursor monitor per owned partition per batch), then call the
 * handler for each delivery of the batch, one at a time. It parks when there is nothing to do,
 * announcing in {@link #waiting} what would wake it: new messages, enough acknowledgements to
 * have credit again, or only a signal (resume, rebalance, close, everything acknowledged). Those
 * who change that state ({@link Partition#append}, {@link Delivery#ack}, {@link #resume}, the
 * group) write first and read {@link #waiting} after, and the thread announces first and checks
 * after, so no wake-up is lost; while the thread is busy nobody unparks it.
 *
 * <p>{@code prefetch} bounds the deliveries handed out and not yet acknowledged: fetched batches
 * count, acknowledgements and take-backs give the credit back. {@link #pause()} and
 * {@link #resume()} only flip a flag and unpark; a paused thread keeps the rest of its batch until
 * it resumes.
 */
final class InMemorySubscription implements Subscription, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(InMemorySubscription.class);

    private static final int BATCH = 256;
    private static final int MIN_PER_CURSOR = 16;
    private static final long TRIM_STEP = Partition.CHUNK / 2;
    /** How often the thread yields, re-checking the log, before it parks for new messages. */
    private static final int YIELDS_BEFORE_PARK = 4;

    private static final int RUNNING = 0;
    private static final int WANT_MESSAGES = 1;
    private static final int WANT_CREDIT = 2;
    private static final int WANT_SIGNAL = 3;
    private static final VarHandle WAITING;

    static {
        try {
            WAITING = MethodHandles.lookup().findVarHandle(InMemorySubscription.class, "waiting", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final InMemoryTransport transport;
    private final Group group;
    private final MessageHandler handler;
    private final int prefetch;
    /** Wake a thread waiting for credit once unacknowledged deliveries fell to this. */
    private final long creditWake;
    private final Thread thread;

    /** Deliveries handed out (or fetched into the batch) and neither acknowledged nor taken back. */
    private final AtomicLong unacked = new AtomicLong();
    private volatile int waiting;
    private volatile boolean closed;
    private volatile boolean paused;
    private volatile boolean revokeRequested;
    /** Bumped, under the group's monitor, whenever a cursor comes to or leaves this member. */
    private volatile int assignmentVersion;

    // delivery thread only
    private Cursor[] owned = new Cursor[0];
    private int seenVersion = -1;
    private final Delivery[] batch = new Delivery[BATCH];
    private int batchPosition;
    private int batchLength;
    private int rotation;
    private boolean inflightLeft;
    /** Whether the last fill fetched with credit to spare, so nothing it could take was left behind. */
    private boolean drained;

    InMemorySubscription(InMemoryTransport transport, Group group, MessageHandler handler, int prefetch) {
        this.transport = transport;
        this.group = group;
        this.handler = handler;
        this.prefetch = prefetch;
        this.creditWake = prefetch - Math.max(1, prefetch / 2);
        this.thread = new Thread(this, "twelvefold-inmemory-" + group.destination().name() + "-" + group.name()
                + "-" + group.nextMemberNumber());
        thread.setDaemon(true);
    }

    void start() {
        group.join(this);
        thread.start();
    }

    // ---- Subscription ------------------------------------------------------------------------

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        if (paused) {
            paused = false;
            wake();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        group.leave(this);
        transport.closed(this);
        wake();
    }

    boolean isClosed() {
        return closed;
    }

    Group group() {
        return group;
    }

    Thread thread() {
        return thread;
    }

    long unacked() {
        return unacked.get();
    }

    // ---- delayed redelivery --------------------------------------------------------------------

    /**
     * After {@code delay}, appends a copy of a delivery (its headers with {@code headers} added) to
     * its partition for this member's group only. The broker, not this subscription, holds the
     * copy meanwhile, so it arrives even if every member of the group closed (a restart); it is
     * "stored" at once, as far as an in-memory broker can store anything.
     *
     * @return a completed future, or a failed one when the transport is closed or the delivery was
     *     taken back (it will be delivered again as it is)
     */
    CompletableFuture<Void> redeliverLater(Delivery delivery, Duration delay, Map<String, String> headers) {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(headers, "headers");
        if (transport.isClosed()) {
            return CompletableFuture.failedFuture(new TransportException(transport.closedMessage()
                    + "; cannot redeliver a message later"));
        }
        if (delivery.isRevoked() || delivery.acked()) {
            return CompletableFuture.failedFuture(new TransportException("The delivery " + delivery
                    + " is no longer this member's (acknowledged, or taken back to be delivered again)"));
        }
        Map<String, String> copyHeaders = new HashMap<>(delivery.headers());
        copyHeaders.putAll(headers);
        OutgoingMessage copy = new OutgoingMessage(delivery.key(), delivery.attributes(), copyHeaders,
                delivery.payload());
        Partition partition = delivery.cursor().partition();
        Group g = group;
        transport.broker().later(() -> partition.append(copy, g), delay);
        return CompletableFuture.completedFuture(null);
    }

    // ---- signals from other threads ----------------------------------------------------------

    /** A partition this member reads got a message. */
    void messagesArrived() {
        if (waiting == WANT_MESSAGES) {
            wake();
        }
    }

    /** One of this member's deliveries was acknowledged. */
    void acked() {
        long left = unacked.decrementAndGet();
        int w = waiting;
        if (w != RUNNING && (left == 0 || (w == WANT_CREDIT && left <= creditWake))) {
            wake();
        }
    }

    /** One of this member's deliveries was taken back; under the cursor's monitor. */
    void revoked() {
        unacked.decrementAndGet();
    }

    /** The group wants some of this member's partitions for another member; under the group's monitor. */
    void revokeRequested() {
        revokeRequested = true;
        wake();
    }

    /** A cursor came to or left this member; under the group's monitor. */
    void assignmentChanged() {
        assignmentVersion++;
        wake();
    }

    private void wake() {
        if ((int) WAITING.getAndSet(this, RUNNING) != RUNNING) {
            LockSupport.unpark(thread);
        }
    }

    // ---- the delivery thread -----------------------------------------------------------------

    @Override
    public void run() {
        try {
            while (!closed) {
                if (revokeRequested) {
                    revoke();
                    continue;
                }
                if (seenVersion != assignmentVersion) {
                    refreshOwned();
                }
                boolean fetch = batchPosition == batchLength && !paused;
                if (fetch) {
                    batchPosition = 0;
                    batchLength = 0;
                }
                fill(fetch);
                if (batchPosition < batchLength && !paused) {
                    deliverBatch();
                } else {
                    idle();
                }
            }
        } catch (Throwable t) {
            LOG.error("In-memory delivery thread {} failed; the subscription delivers nothing more", thread.getName(), t);
        }
    }

    private void refreshOwned() {
        seenVersion = assignmentVersion;
        List<Cursor> mine = new ArrayList<>();
        for (Cursor cursor : group.cursors()) {
            if (cursor.owner == this) {
                mine.add(cursor);
            }
        }
        owned = mine.toArray(new Cursor[0]);
    }

    /** Reaps every owned cursor and, when asked, fetches a batch within the credit left. */
    private void fill(boolean fetch) {
        Cursor[] cursors = owned;
        int count = cursors.length;
        if (count == 0) {
            inflightLeft = false;
            drained = true;
            return;
        }
        long credit = fetch ? prefetch - unacked.get() : 0;
        int perCursor = Math.max(MIN_PER_CURSOR, BATCH / count);
        boolean left = false;
        int start = Math.floorMod(rotation++, count);
        for (int k = 0; k < count; k++) {
            Cursor cursor = cursors[(start + k) % count];
            synchronized (cursor) {
                if (cursor.owner != this) {
                    continue;
                }
                cursor.reap();
                int max = (int) Math.min(Math.min(credit, perCursor), BATCH - batchLength);
                if (max > 0) {
                    int n = cursor.fetch(this, batch, batchLength, max);
                    if (n > 0) {
                        unacked.addAndGet(n);
                        batchLength += n;
                        credit -= n;
                    }
                }
                left |= cursor.hasInflight();
            }
            if (cursor.committed() - cursor.trimmedAt >= TRIM_STEP) {
                trim(cursor);
            }
        }
        inflightLeft = left;
        drained = fetch && credit > 0;
    }

    private void deliverBatch() {
        while (batchPosition < batchLength) {
            if (closed || paused || revokeRequested) {
                return;
            }
            Delivery d = batch[batchPosition];
            batch[batchPosition++] = null;
            if (d.isRevoked()) {
                continue;
            }
            try {
                handler.onMessage(d);
            } catch (RuntimeException e) {
                LOG.warn("Handler of {} failed on {}; the message stays unacknowledged", thread.getName(), d, e);
            }
        }
    }

    private void revoke() {
        revokeRequested = false;
        List<Cursor> moving = group.revocable(this);
        if (moving.isEmpty()) {
            return;
        }
        Set<Integer> partitions = new LinkedHashSet<>();
        for (Cursor cursor : moving) {
            partitions.add(cursor.partition().index());
        }
        try {
            handler.onPartitionsRevoked(Set.copyOf(partitions));
        } catch (RuntimeException e) {
            LOG.warn("Handler of {} failed on revoking partitions {}", thread.getName(), partitions, e);
        }
        group.revoked(this, moving);
    }

    private void trim(Cursor cursor) {
        cursor.trimmedAt = cursor.committed();
        cursor.partition().trim();
    }

    private void idle() {
        for (Cursor cursor : owned) {
            if (cursor.committed() != cursor.trimmedAt) {
                trim(cursor);
            }
        }
        int mode = paused ? WANT_SIGNAL : prefetch - unacked.get() <= 0 ? WANT_CREDIT : WANT_MESSAGES;
        if (mode == WANT_MESSAGES && !drained) {
            // Credit came back (or the thread resumed) since the last fetch: fetch again.
            return;
        }
        if (mode == WANT_MESSAGES) {
            // A publisher on another core is often a moment away from the next message: a few
            // yields are cheaper than a park and an unpark per message.
            for (int i = 0; i < YIELDS_BEFORE_PARK; i++) {
                if (hasMessages()) {
                    return;
                }
                Thread.yield();
            }
        }
        waiting = mode;
        if (!mustWake(mode)) {
            LockSupport.park(this);
        }
        waiting = RUNNING;
    }

    /** Checks, after announcing {@code mode}, what a waker could have changed just before. */
    private boolean mustWake(int mode) {
        if (closed || revokeRequested || seenVersion != assignmentVersion || paused != (mode == WANT_SIGNAL)) {
            return true;
        }
        long left = unacked.get();
        if (left == 0 && inflightLeft) {
            return true;
        }
        if (mode == WANT_CREDIT) {
            return left <= creditWake;
        }
        return mode == WANT_MESSAGES && hasMessages();
    }

    /**
     * Whether an owned cursor has unread messages. Redeliveries need no check: they appear only
     * when a cursor changes hands, which bumps {@link #assignmentVersion}, and a fetch with
     * credit to spare ({@link #drained}) took them all.
     */
    private boolean hasMessages() {
        for (Cursor cursor : owned) {
            if (cursor.behindTail()) {
                return true;
            }
        }
        return false;
    }

    /** A snapshot of the state, for diagnostics. */
    String describe() {
        return thread.getName() + " state=" + thread.getState() + " waiting=" + waiting + " closed=" + closed
                + " paused=" + paused + " revokeRequested=" + revokeRequested + " version=" + assignmentVersion
                + " unacked=" + unacked.get() + " owned=" + java.util.Arrays.toString(owned)
                + " batch=" + batchPosition + "/" + batchLength;
    }

    @Override
    public String toString() {
        return thread.getName();
    }
}
