package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.twelvefold.core.TransportException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names and declares the broker objects, idempotently (a declaration of what exists with the same
 * arguments is a no-op):
 *
 * <pre>
 * destination d   → topic exchange  d                    (durable)
 * group g on d    → queue           d.g                  (durable, bound to d with '#',
 *                                                          dead-lettering to exchange d.dlq)
 *                 → topic exchange  d.dlq                (the runtime's dead-letter destination)
 *                 → queue           d.dlq.g              (durable, bound to d.dlq with '#', declared
 *                                                          as group g's queue on d.dlq: dead-lettering
 *                                                          to d.dlq.dlq, declared when g reads it)
 * delayed retry   → queue           d.g.retry.&lt;level&gt;     (durable, bound to nothing, dead-lettering
 *   of g, by delay                                         expired copies to d.g through the default
 *                                                          exchange; declared at its first copy)
 * </pre>
 *
 * <p>A retry queue holds the copies whose delay is between its level and twice its level, the
 * levels being 1 s times a power of two (..., 250ms, 500ms, 1s, 2s, 4s, ...): RabbitMQ expires a
 * queue's messages only at its head, so a copy may wait behind one stored before it with a longer
 * delay, and this bounds that wait to less than twice its own delay. The delay itself is each
 * copy's {@code expiration}, not a queue argument: a queue's arguments cannot change, and a
 * {@code x-message-ttl} would tie the queue to one backoff configuration (and would cut the longer
 * jittered delays, the smaller TTL winning).
 *
 * <p>So the dead letters of group {@code g} are kept from the moment the group exists, and a group
 * named {@code g} that subscribes to the destination {@code d.dlq} (a replay or inspection app)
 * reads them all. Thread-safe; declarations run on one admin channel, reopened after a channel error.
 */
final class RabbitMqTopology {
    static final String DEAD_LETTER_SUFFIX = ".dlq";
    static final String RETRY_INFIX = ".retry.";
    private static final String ALL = "#";

    private final Connection connection;
    private final RabbitMqConfig config;
    private final RabbitMqTransportProvider.Declarations declarations;
    private Channel admin;
    /** The retry queues declared (or found) so far. */
    private final Set<String> retryQueues = ConcurrentHashMap.newKeySet();

    /**
     * The names of a group's objects.
     *
     * @param destination the destination (exchange)
     * @param name the group
     * @param queue the group's queue
     * @param deadLetterExchange the exchange its dead letters go to
     * @param deadLetterQueue the queue that keeps them
     */
    record Group(String destination, String name, String queue, String deadLetterExchange, String deadLetterQueue) {
        static Group of(String destination, String group) {
            String dlx = destination + DEAD_LETTER_SUFFIX;
            return new Group(destination, group, destination + "." + group, dlx, dlx + "." + group);
        }
    }

    RabbitMqTopology(Connection connection, RabbitMqConfig config, RabbitMqTransportProvider.Declarations declarations) {
        this.connection = connection;
        this.config = config;
        this.declarations = declarations;
    }

    /** Declares the topic exchange of a destination. */
    synchronized void exchange(String destination) {
        run("exchange '" + destination + "'", c -> {
            declarations.exchange(destination);
            c.exchangeDeclare(destination, BuiltinExchangeType.TOPIC, true);
        });
    }

    /**
     * Declares a group's queue, its dead-letter exchange and queue, and their bindings, in one round
     * trip: every declaration but the last is sent without waiting for its reply ({@code nowait}).
     * A channel handles its methods in order and the broker closes it at the first one it refuses,
     * so the reply to the last declaration confirms them all, and a refusal fails the last one with
     * the broker's reason for the first.
     */
    synchronized Group group(String destination, String group) {
        Group g = Group.of(destination, group);
        run("the queues of group '" + group + "' on '" + destination + "'", c -> {
            declarations.exchange(g.destination());
            c.exchangeDeclareNoWait(g.destination(), BuiltinExchangeType.TOPIC, true, false, false, null);
            declarations.exchange(g.deadLetterExchange());
            c.exchangeDeclareNoWait(g.deadLetterExchange(), BuiltinExchangeType.TOPIC, true, false, false, null);
            // the dead-letter queue is declared exactly as the queue of group g on d.dlq would be,
            // so that such a group (a replay app) finds it equivalent and reads it
            Group dead = Group.of(g.deadLetterExchange(), group);
            queue(c, dead, false);
            queue(c, g, true);
        });
        return g;
    }

    /**
     * A group's queue, bound to its destination with '#', dead-lettering to its dead-letter exchange.
     *
     * @param await whether to wait for the binding's reply (else nothing is waited for)
     */
    private void queue(Channel c, Group g, boolean await) throws IOException {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", config.queueType().argument());
        arguments.put("x-dead-letter-exchange", g.deadLetterExchange());
        if (config.queueType() == RabbitMqConfig.QueueType.QUORUM) {
            // the broker itself stops a message that keeps coming back, even across crashes
            arguments.put("x-delivery-limit", config.maxDeliveries());
        }
        if (config.ordering() == RabbitMqConfig.Ordering.SINGLE_ACTIVE_CONSUMER) {
            arguments.put("x-single-active-consumer", true);
        }
        declarations.queue(g.queue());
        c.queueDeclareNoWait(g.queue(), true, false, false, arguments);
        if (await) {
            c.queueBind(g.queue(), g.destination(), ALL);
        } else {
            c.queueBindNoWait(g.queue(), g.destination(), ALL, null);
        }
    }

    /**
     * The retry queue of a group for a delay: {@code <group's queue>.retry.<level>}.
     *
     * @param g the group
     * @param delayMillis the copy's delay, at least 1 ms
     * @return the queue name, never null
     */
    static String retryQueue(Group g, long delayMillis) {
        long level = level(delayMillis);
        return g.queue() + RETRY_INFIX + (level % 1000 == 0 ? (level / 1000) + "s" : level + "ms");
    }

    /**
     * The level of a delay: the largest of 1000 ms times a power of two (rounded down to whole
     * milliseconds below a second: 500, 250, 125, 62, 31, 15, 7, 3, 1) that is not longer.
     *
     * @param delayMillis at least 1
     * @return the level in milliseconds, at least 1
     */
    static long level(long delayMillis) {
        long level = 1000;
        if (delayMillis >= level) {
            while (level <= delayMillis / 2) {
                level *= 2;
            }
            return level;
        }
        while (level > delayMillis && level > 1) {
            level /= 2;
        }
        return level;
    }

    /** @return whether this transport declared the retry queue already */
    boolean retryQueueDeclared(String queue) {
        return retryQueues.contains(queue);
    }

    /** Forgets a retry queue that turned out to be missing (deleted behind the transport's back). */
    void retryQueueMissing(String queue) {
        retryQueues.remove(queue);
    }

    /**
     * Declares a retry queue of a group: durable, of the group's queue type, bound to no exchange,
     * dead-lettering what expires to the group's queue through the default exchange (never to the
     * destination's exchange, which would give the copy to every group). On quorum queues the
     * dead-lettering is at-least-once (which needs {@code x-overflow=reject-publish}), so a copy is
     * not lost when the group's queue cannot take it at that moment. Waits for the broker's reply.
     *
     * @param g the group
     * @param queue its retry queue, from {@link #retryQueue}
     */
    synchronized void declareRetryQueue(Group g, String queue) {
        if (retryQueues.contains(queue)) {
            return;
        }
        run("retry queue '" + queue + "' of group '" + g.name() + "' on '" + g.destination() + "'", c -> {
            Map<String, Object> arguments = new HashMap<>();
            arguments.put("x-queue-type", config.queueType().argument());
            arguments.put("x-dead-letter-exchange", "");
            arguments.put("x-dead-letter-routing-key", g.queue());
            if (config.queueType() == RabbitMqConfig.QueueType.QUORUM) {
                arguments.put("x-dead-letter-strategy", "at-least-once");
                arguments.put("x-overflow", "reject-publish");
            }
            declarations.queue(queue);
            c.queueDeclare(queue, true, false, false, arguments);
        });
        retryQueues.add(queue);
    }

    private interface Declaration {
        void run(Channel channel) throws IOException;
    }

    private void run(String what, Declaration declaration) {
        try {
            if (admin == null || !admin.isOpen()) {
                admin = connection.createChannel();
            }
            declaration.run(admin);
        } catch (IOException | ShutdownSignalException e) {
            // a refused declaration closes the channel: the next one opens another
            admin = null;
            throw new TransportException("RabbitMQ refused to declare " + what + ": " + reason(e)
                    + "; an object of that name may exist with other arguments (queue-type, ordering): "
                    + "delete it or use another group", e);
        }
    }

    private static String reason(Exception e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof ShutdownSignalException s && s.getReason() instanceof com.rabbitmq.client.AMQP.Channel.Close close) {
                return close.getReplyCode() + " " + close.getReplyText();
            }
            t = t.getCause();
        }
        return String.valueOf(e.getMessage());
    }

    synchronized void close() {
        if (admin != null && admin.isOpen()) {
            try {
                admin.close();
            } catch (IOException | java.util.concurrent.TimeoutException | AlreadyClosedException e) {
                // closing anyway
            }
        }
        admin = null;
    }
}
