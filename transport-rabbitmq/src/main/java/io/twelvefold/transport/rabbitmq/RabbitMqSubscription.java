package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Consumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Subscription;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer of a group's queue, on a channel of its own with {@code basic.qos} set to the prefetch.
 *
 * <p><b>Delivery.</b> The client calls {@link Consumer#handleDelivery} on the channel's dispatch
 * thread, in queue order. Messages go through an inbox drained by one thread at a time (the
 * dispatch thread, or a transport thread after {@link #resume()}), so the handler sees one call
 * at a time, in order. {@link #pause()} only sets a flag: the broker stops pushing once the
 * prefetch window is full, and what arrives meanwhile waits in the inbox (at most the prefetch).
 *
 * <p><b>Acknowledgements.</b> {@link RabbitMqMessage#ack()} queues the delivery tag; the first
 * acknowledging thread flushes inline while the others leave their tags to it. A flush
 * acknowledges the longest run of completed tags from the oldest unacknowledged one with a single
 * {@code basic.ack multiple=true}. Completions after a gap (an older message still being processed,
 * which is the rule with concurrent keys) wait for the gap to close, so that one multiple-ack
 * covers them too: each {@code basic.ack} costs the broker work, and acknowledging them one by one
 * made the broker, not the processor, the bottleneck. They are acknowledged one by one as soon as a
 * half of the prefetch window waits that way, or a flush finds the oldest of them waiting for
 * more than {@value #GAP_ACK_DELAY_MS} ms, so a message waiting for a long retry never holds the
 * window; and all of them on close.
 *
 * <p><b>Redelivery guard.</b> A delivery whose count exceeds {@code max-deliveries} is rejected
 * without requeue, so the broker dead-letters it to {@code <destination>.dlq}: a message that
 * crashes the consumer every time cannot loop.
 *
 * <p><b>Delayed redelivery.</b> {@link RabbitMqMessage#redeliverLater} publishes a copy to one of
 * the group's retry queues ({@link RabbitMqTopology#declareRetryQueue}), whose expired messages go
 * back to this group's queue only; the delivery itself is acknowledged by the runtime once the
 * copy is confirmed. A copy is a new message: the redelivery guard counts its own deliveries.
 *
 * <p><b>Recovery.</b> When the connection drops, the broker requeues what was not acknowledged;
 * the client recovers the channel and the consumer. Deliveries of the lost channel are void: their
 * acknowledgements are ignored and their copies still in the inbox are dropped.
 */
final class RabbitMqSubscription implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqSubscription.class);
    private static final String DELIVERY_COUNT = "x-delivery-count";
    /** How long a completion after a gap may wait for the gap to close before it is acknowledged alone. */
    static final long GAP_ACK_DELAY_MS = 200;

    private final RabbitMqTransport transport;
    private final RabbitMqTopology.Group group;
    private final Channel channel;
    /** Completions after a gap acknowledged one by one from this many on. */
    private final int gapAckThreshold;
    private final MessageHandler handler;
    private final Executor executor;
    private final int maxDeliveries;
    private final Map<String, Integer> redeliveries;
    private final RabbitMqMeters meters;

    private final ConcurrentLinkedQueue<RabbitMqMessage> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicReference<String> cancellation = new AtomicReference<>();

    private final Object ackLock = new Object();
    /** Delivered and not yet acknowledged tags of the current channel: tag → completed; guarded by ackLock. */
    private final NavigableMap<Long, Boolean> outstanding = new TreeMap<>();
    private final ConcurrentLinkedQueue<RabbitMqMessage> completions = new ConcurrentLinkedQueue<>();
    private final AtomicInteger flushers = new AtomicInteger();
    /** Completed tags waiting behind an older unacknowledged one; guarded by ackLock. */
    private int completedAfterGap;
    /** When the oldest of them completed ({@link System#nanoTime()}); guarded by ackLock. */
    private long gapSince;

    private volatile int generation;
    private volatile boolean paused;
    private volatile boolean closed;
    private volatile boolean cancelledByBroker;
    private volatile String consumerTag;

    RabbitMqSubscription(RabbitMqTransport transport, RabbitMqTopology.Group group, Channel channel, int prefetch,
            MessageHandler handler, Executor executor, int maxDeliveries, Map<String, Integer> redeliveries,
            RabbitMqMeters meters) {
        this.meters = meters;
        this.transport = transport;
        this.group = group;
        this.channel = channel;
        this.gapAckThreshold = Math.max(1, prefetch / 2);
        this.handler = handler;
        this.executor = executor;
        this.maxDeliveries = maxDeliveries;
        this.redeliveries = redeliveries;
    }

    /** Starts consuming; returns once the broker registered the consumer. */
    void start() throws IOException {
        if (channel instanceof Recoverable recoverable) {
            recoverable.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable r) {
                    recovered();
                }

                @Override
                public void handleRecoveryStarted(Recoverable r) {
                    // the deliveries of the lost channel are void from now on
                    recovered();
                }
            });
        }
        consumerTag = channel.basicConsume(group.queue(), false, new QueueConsumer());
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
            executor.execute(this::drain);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        String tag = consumerTag;
        if (tag != null && !cancelledByBroker && channel.isOpen()) {
            try {
                channel.basicCancel(tag);
            } catch (IOException | ShutdownSignalException e) {
                LOG.debug("Cancelling the consumer of queue '{}' failed; closing its channel requeues all the same",
                        group.queue(), e);
            }
        }
        // the acknowledgements made before close() count; those after it are ignored
        flush(true);
        synchronized (ackLock) {
            outstanding.clear();
            completedAfterGap = 0;
            generation++;
        }
        inbox.clear();
        try {
            if (channel.isOpen()) {
                channel.close(); // the broker requeues whatever is still unacknowledged
            }
        } catch (IOException | TimeoutException | ShutdownSignalException e) {
            LOG.debug("Closing the channel of queue '{}' failed", group.queue(), e);
        }
        transport.closed(this);
    }

    // ---- delayed redelivery --------------------------------------------------------------------

    /**
     * Stores a copy of a delivery of this subscription in the group's retry queue for the delay.
     *
     * @return completes when the broker confirmed the copy; fails when this subscription closed or
     *     the delivery's channel was lost since (the broker delivers the original again), or when
     *     the broker did not take the copy
     */
    CompletableFuture<Void> redeliverLater(RabbitMqMessage message, Duration delay, Map<String, String> headers) {
        if (closed || message.generation() != generation) {
            return CompletableFuture.failedFuture(new TransportException("Delivery " + message + " of queue '"
                    + group.queue() + "' is void (its channel was closed or recovered since): the broker delivers it "
                    + "again, so no copy is stored"));
        }
        return transport.redeliverLater(this, group, message, delay, headers);
    }

    // ---- acknowledgements --------------------------------------------------------------------

    void acknowledge(RabbitMqMessage message) {
        if (closed || message.generation() != generation) {
            return;
        }
        if (message.deliveryCount() > 1) {
            redeliveries.remove(redeliveryKey(message.attributes().get("id")));
        }
        completions.add(message);
        if (!AckBatch.defer(this)) {
            flushCompletions();
        }
    }

    /** Flushes the queued completions, unless another thread is doing it. */
    void flushCompletions() {
        // the first acknowledging thread flushes, inline; the others leave their tags to it, so that
        // acknowledgements made while it writes go out together, as one multiple-ack where they are contiguous
        if (flushers.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            flush(false);
            missed = flushers.addAndGet(-missed);
        } while (missed != 0);
    }

    /** @param all also acknowledge every completion after a gap (on close) */
    private void flush(boolean all) {
        synchronized (ackLock) {
            RabbitMqMessage m;
            while ((m = completions.poll()) != null) {
                if (m.generation() == generation && outstanding.replace(m.offset(), Boolean.TRUE) == Boolean.FALSE) {
                    if (completedAfterGap++ == 0) {
                        gapSince = System.nanoTime();
                    }
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
                    // so that the window never fills with completed work behind a slow message
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
            } catch (IOException | ShutdownSignalException e) {
                // the channel is gone: the broker redelivers what was not acknowledged
                LOG.debug("Acknowledging on queue '{}' failed; the broker will redeliver", group.queue(), e);
            }
        }
    }

    private void recovered() {
        synchronized (ackLock) {
            if (!outstanding.isEmpty()) {
                LOG.warn("RabbitMQ channel of queue '{}' recovered: {} unacknowledged delivery(ies) will be redelivered",
                        group.queue(), outstanding.size());
            }
            outstanding.clear();
            completedAfterGap = 0;
            gapSince = 0;
            generation++;
        }
    }

    // ---- delivery ------------------------------------------------------------------------------

    private void drain() {
        if (drainers.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            for (;;) {
                String reason = cancellation.getAndSet(null);
                if (reason != null) {
                    try {
                        handler.onCancelled(reason);
                    } catch (RuntimeException e) {
                        LOG.warn("Handler of queue '{}' failed on cancellation", group.queue(), e);
                    }
                }
                if (paused || closed) {
                    break;
                }
                RabbitMqMessage m = inbox.poll();
                if (m == null) {
                    break;
                }
                if (m.generation() != generation) {
                    continue; // its channel was lost: the broker delivers it again
                }
                try {
                    handler.onMessage(m);
                } catch (RuntimeException e) {
                    LOG.warn("Handler of queue '{}' failed on {}; the message stays unacknowledged", group.queue(), m, e);
                }
            }
            missed = drainers.addAndGet(-missed);
        } while (missed != 0);
    }

    private String redeliveryKey(String id) {
        return group.queue() + "\u0000" + id;
    }

    /** How many times this message was delivered, as far as the broker or this process can tell. */
    private int deliveryCount(Envelope envelope, AMQP.BasicProperties properties, String id) {
        int count = 1;
        Map<String, Object> headers = properties.getHeaders();
        if (headers != null && headers.get(DELIVERY_COUNT) instanceof Number n) {
            // quorum queues count the earlier deliveries that were returned
            count = n.intValue() + 1;
        }
        if (envelope.isRedeliver()) {
            count = Math.max(count, 2);
            if (id != null) {
                // classic queues only flag a redelivery: count them in this process
                if (redeliveries.size() > 100_000) {
                    redeliveries.clear();
                }
                int seen = redeliveries.merge(redeliveryKey(id), 2, (old, two) -> old + 1);
                count = Math.max(count, seen);
            }
        }
        return count;
    }

    private final class QueueConsumer implements Consumer {
        @Override
        public void handleConsumeOk(String tag) {
            consumerTag = tag;
        }

        @Override
        public void handleCancelOk(String tag) {
            // cancelled by close()
        }

        @Override
        public void handleCancel(String tag) {
            cancelledByBroker = true;
            String reason = "RabbitMQ cancelled the consumer of queue '" + group.queue()
                    + "' (the queue was deleted, or its node went down)";
            LOG.error("{}; the subscription to '{}' as group '{}' receives nothing more", reason, group.destination(),
                    group.name());
            transport.cancelled(RabbitMqSubscription.this);
            cancellation.set(reason);
            drain();
        }

        @Override
        public void handleShutdownSignal(String tag, ShutdownSignalException sig) {
            // a lost connection is recovered by the client; a closed channel ends with the subscription
        }

        @Override
        public void handleRecoverOk(String tag) {
            consumerTag = tag;
        }

        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            if (closed) {
                return; // requeued when the channel closes
            }
            long deliveryTag = envelope.getDeliveryTag();
            CloudEventsMapping.Incoming parts = CloudEventsMapping.read(properties);
            int count = deliveryCount(envelope, properties, parts.attributes().get("id"));
            int current;
            synchronized (ackLock) {
                if (count > maxDeliveries) {
                    try {
                        channel.basicReject(deliveryTag, false);
                        meters.rejected();
                        LOG.error("Message {} of queue '{}' was delivered {} times (max-deliveries {}): rejected to "
                                + "the dead-letter exchange '{}'", parts.attributes().get("id"), group.queue(), count,
                                maxDeliveries, group.deadLetterExchange());
                    } catch (IOException | AlreadyClosedException e) {
                        LOG.debug("Rejecting a message of queue '{}' failed", group.queue(), e);
                    }
                    redeliveries.remove(redeliveryKey(parts.attributes().get("id")));
                    return;
                }
                outstanding.put(deliveryTag, Boolean.FALSE);
                // read under the lock, so that a recovery voids the tag and the message together
                current = generation;
            }
            inbox.add(new RabbitMqMessage(RabbitMqSubscription.this, group.destination(), deliveryTag, current,
                    parts, body, count));
            drain();
        }
    }

    @Override
    public String toString() {
        return "RabbitMqSubscription[queue=" + group.queue() + "]";
    }
}
