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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
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
 * <p><b>Acknowledgements</b> are batched by {@link Acknowledgements}, whatever thread makes them.
 *
 * <p><b>Redelivery guard.</b> A delivery whose count exceeds {@code max-deliveries} is not handed
 * out: on the group's own queue it is rejected without requeue, so the broker dead-letters it to
 * {@code <destination>.dlq}; on an existing queue (whose dead-lettering is not the transport's),
 * the transport publishes it to {@code <destination>.dlq} itself, with the {@code x-first-death-*}
 * headers the broker would add, and acknowledges it once the broker confirmed the copy. A message
 * that crashes the consumer every time cannot loop. A group whose channel has no dead letters (it
 * reads them) has no guard: its messages are handed out whatever their count.
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

    private final RabbitMqTransport transport;
    private final RabbitMqTopology.Group group;
    private final Channel channel;
    private final MessageHandler handler;
    private final Executor executor;
    private final int maxDeliveries;
    private final Map<String, Integer> redeliveries;
    private final RabbitMqMeters meters;
    private final ConnectionWatch watch;
    private final Acknowledgements acks;

    private final ConcurrentLinkedQueue<RabbitMqMessage> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicReference<String> cancellation = new AtomicReference<>();

    private volatile boolean paused;
    private volatile boolean closed;
    private volatile boolean cancelledByBroker;
    private volatile String consumerTag;

    RabbitMqSubscription(RabbitMqTransport transport, RabbitMqTopology.Group group, Channel channel, int prefetch,
            MessageHandler handler, Executor executor, Map<String, Integer> redeliveries) {
        this.transport = transport;
        this.group = group;
        this.channel = channel;
        this.handler = handler;
        this.executor = executor;
        this.maxDeliveries = transport.config().maxDeliveries();
        this.redeliveries = redeliveries;
        this.meters = transport.meters();
        this.watch = transport.watch();
        this.acks = new Acknowledgements(channel, group.queue(), prefetch, executor, transport.confirmBatches());
    }

    /** Starts consuming; returns once the broker registered the consumer. */
    void start() throws IOException {
        if (channel instanceof Recoverable recoverable) {
            recoverable.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable r) {
                    lost();
                }

                @Override
                public void handleRecoveryStarted(Recoverable r) {
                    // the deliveries of the lost channel are void from now on
                    lost();
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
        acks.close();
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

    /** @return the deliveries handed out and not yet acknowledged */
    int unacknowledged() {
        return acks.unacknowledged();
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
        if (closed || message.generation() != acks.generation()) {
            return CompletableFuture.failedFuture(new TransportException("Delivery " + message + " of queue '"
                    + group.queue() + "' is void (its channel was closed or recovered since): the broker delivers it "
                    + "again, so no copy is stored"));
        }
        return transport.redeliverLater(this, group, message, delay, headers);
    }

    // ---- acknowledgements --------------------------------------------------------------------

    void acknowledge(RabbitMqMessage message) {
        if (closed) {
            return;
        }
        if (message.deliveryCount() > 1) {
            redeliveries.remove(redeliveryKey(message));
        }
        acks.completed(message);
    }

    /** The channel was lost: its deliveries are void, the broker delivers them again. */
    private void lost() {
        int voided = acks.voidAll();
        if (voided > 0) {
            watch.redelivered(voided);
            LOG.debug("RabbitMQ channel of queue '{}' lost: {} unacknowledged delivery(ies) will be redelivered",
                    group.queue(), voided);
        }
    }

    // ---- delivery ------------------------------------------------------------------------------

    private void drain() {
        if (drainers.getAndIncrement() != 0) {
            return;
        }
        acks.runStarted();
        int handedOut = 0;
        int missed = 1;
        try {
            do {
                for (;;) {
                    String reason = cancellation.getAndSet(null);
                    if (reason != null) {
                        cancelled(reason);
                    }
                    if (paused || closed) {
                        break;
                    }
                    RabbitMqMessage m = inbox.poll();
                    if (m == null) {
                        break;
                    }
                    if (m.generation() != acks.generation()) {
                        continue; // its channel was lost: the broker delivers it again
                    }
                    try {
                        handler.onMessage(m);
                    } catch (RuntimeException e) {
                        LOG.warn("Handler of queue '{}' failed on {}; the message stays unacknowledged", group.queue(), m,
                                e);
                    }
                    acks.handedOut(++handedOut);
                }
                missed = drainers.addAndGet(-missed);
            } while (missed != 0);
        } finally {
            acks.runEnded();
        }
    }

    private void cancelled(String reason) {
        try {
            handler.onCancelled(reason);
        } catch (RuntimeException e) {
            LOG.warn("Handler of queue '{}' failed on cancellation", group.queue(), e);
        }
    }

    private String redeliveryKey(RabbitMqMessage message) {
        return redeliveryKey(message.attributes().get(MessageMapping.ID), message.messageId());
    }

    /** By event id, else message id: what stays the same on a redelivery. */
    private String redeliveryKey(String eventId, String messageId) {
        String id = eventId != null ? eventId : messageId;
        return id == null ? null : group.queue() + "\u0000" + id;
    }

    /** How many times this message was delivered, as far as the broker or this process can tell. */
    private int deliveryCount(Envelope envelope, AMQP.BasicProperties properties, String redeliveryKey) {
        int count = 1;
        Map<String, Object> headers = properties.getHeaders();
        if (headers != null && headers.get(DELIVERY_COUNT) instanceof Number n) {
            // quorum queues count the earlier deliveries that were returned
            count = n.intValue() + 1;
        }
        if (envelope.isRedeliver()) {
            count = Math.max(count, 2);
            if (redeliveryKey != null) {
                // classic queues only flag a redelivery: count them in this process
                if (redeliveries.size() > 100_000) {
                    redeliveries.clear();
                }
                int seen = redeliveries.merge(redeliveryKey, 2, (old, two) -> old + 1);
                count = Math.max(count, seen);
            }
        }
        return count;
    }

    /**
     * The redelivery guard: the group's own queue dead-letters a rejected message to
     * {@code <destination>.dlq}; an existing queue gets a copy published there, acknowledged once
     * confirmed.
     */
    private void guard(Envelope envelope, MessageMapping.Incoming parts, byte[] body, int count, String redeliveryKey) {
        String id = parts.attributes().getOrDefault(MessageMapping.ID, parts.messageId());
        if (group.ownQueue()) {
            try {
                channel.basicReject(envelope.getDeliveryTag(), false);
                meters.rejected();
                told(id, count);
            } catch (IOException | AlreadyClosedException e) {
                LOG.debug("Rejecting a message of queue '{}' failed", group.queue(), e);
            }
            if (redeliveryKey != null) {
                redeliveries.remove(redeliveryKey);
            }
            return;
        }
        RabbitMqMessage m = new RabbitMqMessage(this, group.destination(), envelope.getDeliveryTag(),
                acks.delivered(envelope.getDeliveryTag()), parts, body, count);
        Map<String, String> headers = new LinkedHashMap<>(parts.headers());
        headers.remove(DELIVERY_COUNT);
        // as the broker does when it dead-letters: the first death is kept
        headers.putIfAbsent("x-first-death-reason", "rejected");
        headers.putIfAbsent("x-first-death-queue", group.queue());
        headers.putIfAbsent("x-first-death-exchange", envelope.getExchange());
        transport.deadLetter(this, group, m, envelope.getRoutingKey(), headers).whenComplete((v, e) -> {
            if (e == null) {
                meters.rejected();
                told(id, count);
                m.ack();
            } else {
                LOG.warn("Message {} of queue '{}' was delivered {} times (max-deliveries {}) and could not be "
                        + "dead-lettered to '{}': {}; it stays in the queue", id, group.queue(), count, maxDeliveries,
                        group.deadLetterExchange(), e.toString());
            }
        });
    }

    private void told(String id, int count) {
        LOG.error("Message {} of queue '{}' was delivered {} times (max-deliveries {}): dead-lettered to the exchange "
                + "'{}'", id, group.queue(), count, maxDeliveries, group.deadLetterExchange());
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
            MessageMapping.Incoming parts = MessageMapping.read(envelope, properties, group.keySource());
            String redeliveryKey = redeliveryKey(parts.attributes().get(MessageMapping.ID), parts.messageId());
            int count = deliveryCount(envelope, properties, redeliveryKey);
            if (count > maxDeliveries && group.deadLetters()) {
                guard(envelope, parts, body, count, redeliveryKey);
                return;
            }
            // registered before it is handed out, so that a recovery voids the tag and the message together
            int generation = acks.delivered(envelope.getDeliveryTag());
            inbox.add(new RabbitMqMessage(RabbitMqSubscription.this, group.destination(), envelope.getDeliveryTag(),
                    generation, parts, body, count));
            drain();
        }
    }

    @Override
    public String toString() {
        return "RabbitMqSubscription[queue=" + group.queue() + "]";
    }
}
