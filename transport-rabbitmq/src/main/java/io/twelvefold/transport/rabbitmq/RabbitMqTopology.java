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
 * </pre>
 *
 * <p>So the dead letters of group {@code g} are kept from the moment the group exists, and a group
 * named {@code g} that subscribes to the destination {@code d.dlq} (a replay or inspection app)
 * reads them all. Thread-safe; declarations run on one admin channel, reopened after a channel error.
 */
final class RabbitMqTopology {
    static final String DEAD_LETTER_SUFFIX = ".dlq";
    private static final String ALL = "#";

    private final Connection connection;
    private final RabbitMqConfig config;
    private final RabbitMqTransportProvider.Declarations declarations;
    private Channel admin;

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
