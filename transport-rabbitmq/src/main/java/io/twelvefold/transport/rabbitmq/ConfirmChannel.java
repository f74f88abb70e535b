package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.OutgoingMessage;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publishing channel in confirm mode, shared by publishers; thread-safe.
 *
 * <p>Sends are numbered with the channel's publish sequence and completed when the broker
 * confirms them ({@code basic.ack}, possibly {@code multiple}), failed on {@code basic.nack} or
 * when the broker returned the message as unroutable ({@code mandatory}; the return comes before
 * the ack, and is correlated with the unconfirmed sends by what every message carries: its
 * {@code message-id} (the event id, absent on a plain message without one), the exchange and the
 * routing key. When several unconfirmed sends match, all of them fail, so that a returned message
 * is never taken for a stored one; the others are then sent again, a duplicate at worst).
 *
 * <p>When the connection drops, the sends not yet confirmed cannot be confirmed any more: they are
 * kept, with the sends made while the connection is down, and published again, in order, once the
 * client recovered the channel (at-least-once: the broker may hold a first copy). A channel closed
 * by the broker for a channel error is replaced, and the sends it held fail.
 */
final class ConfirmChannel {
    private static final Logger LOG = LoggerFactory.getLogger(ConfirmChannel.class);

    private final Connection connection;
    private final RabbitMqMeters meters;
    private final ConnectionWatch watch;
    private final ConfirmBatches batches;
    private final Object lock = new Object();
    /**
     * Unconfirmed sends in publish order (so by increasing sequence number, which is how the broker
     * confirms them); guarded by {@link #lock}.
     */
    private final ArrayDeque<Send> unconfirmed = new ArrayDeque<>();
    /** Sends waiting for the connection to come back, in order; guarded by {@link #lock}. */
    private final ArrayDeque<Send> waiting = new ArrayDeque<>();
    /**
     * How many sends are unconfirmed or waiting, readable without the lock (the log line of a lost
     * connection counts them from the client's thread, which must not wait for a publishing one).
     */
    private final AtomicInteger held = new AtomicInteger();
    private Channel channel;
    private boolean down;
    private boolean closed;

    /** A send and its outcome. */
    static final class Send {
        final Object owner;
        final String exchange;
        final String routingKey;
        final OutgoingMessage message;
        /** The {@code message-id} property, or null. */
        final String messageId;
        /** The per-message TTL ({@code expiration}, in ms), or null. */
        final String expiration;
        final Map<String, Object> headers;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        /** The publish sequence number on the current channel; guarded by the channel's lock. */
        long sequence;
        String returned;

        Send(Object owner, String exchange, String routingKey, OutgoingMessage message, String expiration,
                boolean copy) {
            this.owner = owner;
            this.exchange = exchange;
            this.routingKey = routingKey;
            this.message = message;
            this.messageId = message.attributes().get(MessageMapping.ID);
            this.expiration = expiration;
            this.headers = MessageMapping.headers(message, copy);
        }

        /** Where it goes, for messages: the exchange, or the queue for the default exchange. */
        String target() {
            return exchange.isEmpty() ? "queue '" + routingKey + "'" : "exchange '" + exchange + "'";
        }
    }

    ConfirmChannel(Connection connection, RabbitMqMeters meters, ConnectionWatch watch, ConfirmBatches batches) {
        this.connection = connection;
        this.meters = meters;
        this.watch = watch;
        this.batches = batches;
        synchronized (lock) {
            channel = open();
        }
    }

    /** Under the lock: opens a channel in confirm mode with the listeners. */
    private Channel open() {
        try {
            Channel c = connection.createChannel();
            if (c == null) {
                throw new TransportException("RabbitMQ refused a new channel: the channel limit of the connection is reached");
            }
            c.confirmSelect();
            c.addConfirmListener((tag, multiple) -> confirmed(c, tag, multiple, true),
                    (tag, multiple) -> confirmed(c, tag, multiple, false));
            c.addReturnListener(r -> returned(c, r.getProperties(), r.getReplyCode(), r.getReplyText(),
                    r.getExchange(), r.getRoutingKey()));
            c.addShutdownListener(cause -> shutdown(c, cause));
            if (c instanceof Recoverable recoverable) {
                recoverable.addRecoveryListener(new RecoveryListener() {
                    @Override
                    public void handleRecovery(Recoverable r) {
                        recovered(c);
                    }

                    @Override
                    public void handleRecoveryStarted(Recoverable r) {
                        // nothing to do before the channel is back
                    }
                });
            }
            return c;
        } catch (IOException e) {
            throw new TransportException("RabbitMQ refused a publishing channel: " + e.getMessage(), e);
        }
    }

    /**
     * Publishes a message (mandatory, persistent).
     *
     * @param owner the publisher or subscription that sends it (see {@link #pending})
     * @param exchange the exchange, never null ({@code ""} for the default exchange)
     * @param routingKey the routing key, never null
     * @param message the message, never null
     * @param expiration the {@code expiration} property (milliseconds), or null for none
     * @param copy whether it is a copy of a delivery (for a delayed retry, or the redelivery guard),
     *     which keeps its key and routing key in its headers (see {@link MessageMapping#headers})
     * @return completes when confirmed, never null
     */
    CompletableFuture<Void> send(Object owner, String exchange, String routingKey, OutgoingMessage message,
            String expiration, boolean copy) {
        Send send = new Send(owner, exchange, routingKey, message, expiration, copy);
        synchronized (lock) {
            if (closed) {
                send.future.completeExceptionally(new TransportException(
                        "The RabbitMQ publishing channel is closed; create a new transport"));
                return send.future;
            }
            held.incrementAndGet();
            if (down) {
                waiting.add(send);
            } else {
                publish(send);
            }
        }
        return send.future;
    }

    /** Under the lock. */
    private void publish(Send send) {
        if (channel == null || (!channel.isOpen() && !down && connection.isOpen())) {
            // closed by the broker for a channel error (not a connection loss): open a new one
            channel = open();
        }
        send.sequence = channel.getNextPublishSeqNo();
        AMQP.BasicProperties properties = MessageMapping.properties(send.message, send.headers, send.expiration);
        unconfirmed.addLast(send);
        try {
            channel.basicPublish(send.exchange, send.routingKey, true, properties, send.message.payload());
        } catch (IOException | AlreadyClosedException e) {
            // the connection is going away: the shutdown listener will see it; send again once it is back
            unconfirmed.removeLast();
            down = true;
            waiting.add(send);
        }
    }

    private void confirmed(Channel source, long tag, boolean multiple, boolean ack) {
        List<Send> done = new ArrayList<>();
        synchronized (lock) {
            if (source != channel) {
                return;
            }
            if (multiple) {
                while (!unconfirmed.isEmpty() && unconfirmed.peekFirst().sequence <= tag) {
                    done.add(unconfirmed.pollFirst());
                }
            } else {
                Send send = find(tag);
                if (send != null) {
                    // the oldest, as a rule: the broker confirms in publish order
                    unconfirmed.removeFirstOccurrence(send);
                    done.add(send);
                }
            }
            held.addAndGet(-done.size());
        }
        // complete outside the lock: callers may send again from their callbacks; the acknowledgements
        // that completing the batch makes go out together at its end
        batches.started();
        try {
            completeAll(done, ack);
        } finally {
            batches.ended();
        }
    }

    private static void completeAll(List<Send> done, boolean ack) {
        for (Send send : done) {
            if (!ack) {
                send.future.completeExceptionally(new TransportException("RabbitMQ refused the message sent to "
                        + send.target() + " (basic.nack): the broker could not store it"));
            } else if (send.returned != null) {
                send.future.completeExceptionally(new TransportException("RabbitMQ returned the message sent to "
                        + send.target() + " as unroutable (" + send.returned + "): " + (send.exchange.isEmpty()
                                ? "the queue does not exist"
                                : "no queue is bound to it; start a consumer group on the destination or bind a queue")));
            } else {
                send.future.complete(null);
            }
        }
    }

    /** Under the lock: the unconfirmed send with this sequence number, or null. */
    private Send find(long sequence) {
        for (Send send : unconfirmed) {
            if (send.sequence == sequence) {
                return send;
            }
            if (send.sequence > sequence) {
                return null;
            }
        }
        return null;
    }

    /**
     * Adds the futures of the sends of one publisher that are not confirmed yet (published or
     * waiting for the connection).
     *
     * @param owner the publisher
     * @param into where to add them
     */
    void pending(Object owner, List<CompletableFuture<Void>> into) {
        synchronized (lock) {
            for (Send send : unconfirmed) {
                if (send.owner == owner) {
                    into.add(send.future);
                }
            }
            for (Send send : waiting) {
                if (send.owner == owner) {
                    into.add(send.future);
                }
            }
        }
    }

    private void returned(Channel source, AMQP.BasicProperties properties, int code, String text, String exchange,
            String routingKey) {
        String messageId = properties.getMessageId();
        int matched = 0;
        synchronized (lock) {
            if (source == channel) {
                for (Send send : unconfirmed) {
                    if (Objects.equals(messageId, send.messageId) && send.exchange.equals(exchange)
                            && send.routingKey.equals(routingKey)) {
                        // a send of the same message that is already failed takes this return too
                        if (send.returned == null) {
                            send.returned = code + " " + text;
                        }
                        matched++;
                    }
                }
            }
        }
        if (matched == 0) {
            LOG.warn("RabbitMQ returned a message from exchange '{}' ({} {}) that no send is waiting for", exchange,
                    code, text);
        }
    }

    /** @return the sends published and not yet confirmed, or held while the connection is down */
    int unconfirmed() {
        return held.get();
    }

    private void shutdown(Channel source, ShutdownSignalException cause) {
        List<Send> failed = new ArrayList<>();
        synchronized (lock) {
            if (source != channel || closed) {
                return;
            }
            if (cause.isHardError() || !connection.isOpen()) {
                // the connection dropped: send the unconfirmed again once it recovered
                down = true;
                List<Send> again = new ArrayList<>(unconfirmed);
                unconfirmed.clear();
                for (int i = again.size() - 1; i >= 0; i--) {
                    waiting.addFirst(again.get(i));
                }
                LOG.debug("RabbitMQ publishing channel lost with {} unconfirmed send(s)", again.size());
            } else if (!cause.isInitiatedByApplication()) {
                // a channel error: the broker will not confirm what it held, and the channel stays closed
                failed.addAll(unconfirmed);
                unconfirmed.clear();
                held.addAndGet(-failed.size());
                channel = null;
            }
        }
        for (Send send : failed) {
            send.future.completeExceptionally(new TransportException("RabbitMQ closed the publishing channel while a "
                    + "message to " + send.target() + " was unconfirmed: " + cause.getMessage(), cause));
        }
    }

    private void recovered(Channel source) {
        int count;
        synchronized (lock) {
            if (source != channel || closed) {
                return;
            }
            down = false;
            count = waiting.size();
            while (!waiting.isEmpty() && !down) {
                publish(waiting.poll());
            }
        }
        if (count > 0) {
            meters.resent(count);
            watch.resent(count);
        }
    }

    /** Fails whatever is still unconfirmed or held, and closes the channel. Idempotent. */
    void close() {
        List<Send> failed = new ArrayList<>();
        Channel c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            failed.addAll(unconfirmed);
            failed.addAll(waiting);
            unconfirmed.clear();
            waiting.clear();
            held.addAndGet(-failed.size());
            c = channel;
            channel = null;
        }
        for (Send send : failed) {
            send.future.completeExceptionally(new TransportException("The RabbitMQ transport closed before the broker "
                    + "confirmed the message to " + send.target()));
        }
        if (c != null && c.isOpen()) {
            try {
                c.close();
            } catch (IOException | java.util.concurrent.TimeoutException | AlreadyClosedException e) {
                LOG.debug("Closing a publishing channel failed", e);
            }
        }
    }
}
