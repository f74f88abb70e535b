package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.SubscriptionRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 *                                                          as group g's queue on d.dlq: its arguments
 *                                                          name d.dlq.dlq, which is never declared)
 * delayed retry   → queue           d.g.retry.&lt;level&gt;     (durable, bound to nothing, dead-lettering
 *   of g, by delay                                         expired copies to d.g through the default
 *                                                          exchange; declared at its first copy, or
 *                                                          every level beforehand by provision)
 * </pre>
 *
 * <p>A group whose channel has no dead letters (one on a destination ending with {@code .dlq}, or
 * with {@code dead-letter-destination=none}) gets no dead-letter exchange nor queue: its own queue
 * is declared with the same arguments as any other (on {@code d.dlq}, exactly as group g on d
 * declared it), and the redelivery guard does not apply to it.
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
 * reads them all.
 *
 * <p><b>Objects the transport did not make.</b> A channel's {@code queue} is consumed as it is
 * (only the dead-letter objects of the group are declared beside it), a channel's {@code exchange}
 * is published to (and the group's own queue bound to it) as it is: neither is ever declared, both
 * are checked to exist (passive declarations, which the client does not record for recovery). With
 * {@code declare=false} nothing is declared and every object the transport would declare is checked
 * instead; the missing ones are named together in one exception.
 *
 * <p>Thread-safe; declarations run on one admin channel, reopened after a channel error.
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
     * @param queue the queue it consumes: its own, or an existing one
     * @param deadLetterExchange the exchange its dead letters go to
     * @param deadLetterQueue the queue that keeps them
     * @param ownQueue whether the queue is the group's own (declared by the transport), not an existing one
     * @param keySource where the key of a delivery comes from
     * @param deadLetters whether the group's channel has dead letters: if not (it reads dead letters),
     *     its dead-letter exchange and queue are neither declared nor checked, the transport
     *     dead-letters nothing of it, and its queue has neither a dead-letter exchange nor a delivery
     *     limit (as the dead-letter queue of the group it reads was declared)
     */
    record Group(String destination, String name, String queue, String deadLetterExchange, String deadLetterQueue,
            boolean ownQueue, ChannelOptions.KeySource keySource, boolean deadLetters) {
        static Group of(String destination, String group) {
            return of(destination, group, null, ChannelOptions.KeySource.HEADER, true);
        }

        /** @param queue an existing queue, or null for the group's own */
        static Group of(String destination, String group, String queue, ChannelOptions.KeySource keySource,
                boolean deadLetters) {
            String dlx = destination + DEAD_LETTER_SUFFIX;
            return new Group(destination, group, queue != null ? queue : destination + "." + group, dlx,
                    dlx + "." + group, queue == null, keySource, deadLetters);
        }
    }

    /**
     * An object a channel needs.
     *
     * @param kind {@code exchange} or {@code queue}
     * @param name its name
     * @param setting the setting that makes the channel need it: a channel option, or {@code declare}
     */
    record Needed(String kind, String name, String setting) {
        boolean queue() {
            return kind.equals("queue");
        }
    }

    RabbitMqTopology(Connection connection, RabbitMqConfig config, RabbitMqTransportProvider.Declarations declarations) {
        this.connection = connection;
        this.config = config;
        this.declarations = declarations;
    }

    /**
     * The exchange a channel publishes to, declared or checked: the channel's {@code exchange} as it
     * is ({@code ""} for the default exchange, whose queue, the channel's fixed routing key, is
     * checked instead), else the destination's topic exchange.
     *
     * @return the exchange name to publish to, never null
     * @throws TransportException when an object it needs is missing, or a declaration is refused
     */
    synchronized String publishing(String destination, ChannelOptions options) {
        if (options.defaultExchange()) {
            String key = options.routingKey() != null ? ChannelOptions.ROUTING_KEY : ChannelOptions.QUEUE;
            require(options.channel(), List.of(new Needed("queue", options.fixedRoutingKey(),
                    "named by " + ChannelOptions.describe(options.channel(), key))));
            return "";
        }
        if (options.exchange() != null) {
            require(options.channel(), List.of(exchangeOption(options)));
            return options.exchange();
        }
        if (!config.declare()) {
            require(options.channel(), List.of(new Needed("exchange", destination, DECLARE)));
            return destination;
        }
        run("exchange '" + destination + "'", c -> {
            declarations.exchange(destination);
            c.exchangeDeclare(destination, BuiltinExchangeType.TOPIC, true);
        });
        return destination;
    }

    /**
     * The objects of a group, declared or checked: its queue (its own, bound to the destination's
     * topic exchange or to the channel's {@code exchange}, or the channel's existing {@code queue}),
     * and its dead-letter exchange and queue (unless its channel has no dead letters). A group on a
     * destination that ends with {@code .dlq} has none whatever the request says: its queue is the
     * terminal dead-letter queue that the group on the destination before it declared.
     *
     * @throws TransportException when an object it needs is missing, or a declaration is refused
     */
    synchronized Group group(String destination, String group, ChannelOptions options, boolean deadLetters) {
        Group g = Group.of(destination, group, options.queue(), options.key(),
                deadLetters && !destination.endsWith(DEAD_LETTER_SUFFIX));
        if (options.queue() == null && options.defaultExchange()) {
            throw new TransportException("Channel '" + options.channel() + "' cannot bind the queue of group '" + group
                    + "' to the default exchange, was " + ChannelOptions.describe(options.channel(),
                            ChannelOptions.EXCHANGE) + " = '" + ChannelOptions.DEFAULT_EXCHANGE + "'; set "
                    + ChannelOptions.describe(options.channel(), ChannelOptions.QUEUE)
                    + " to consume the queue it routes to");
        }
        require(options.channel(), needed(g, options));
        if (config.declare()) {
            declare(g, options);
        }
        return g;
    }

    /**
     * The retry queues of every level a group's broker retries may reach, declared, or checked with
     * {@code declare=false} (the missing ones named together). At run time a retry queue is
     * declared at its first copy; {@code provision} declares them all beforehand, so that an app
     * with {@code declare=false} finds them.
     *
     * @param channel the group's channel, for messages
     * @param range the delays of its broker retries, or null for none
     * @return the queue names, shortest level first, never null
     * @throws TransportException when a queue is missing, or a declaration is refused
     */
    synchronized List<String> retryQueues(String channel, Group g, SubscriptionRequest.DelayRange range) {
        List<String> queues = retryQueues(g, range);
        if (config.declare()) {
            queues.forEach(q -> declareRetryQueue(g, q));
        } else {
            String why = "a retry queue of twelvefold.channels." + channel + ".retry.broker-delay-from; " + DECLARE;
            require(channel, queues.stream().map(q -> new Needed("queue", q, why)).toList());
            retryQueues.addAll(queues);
        }
        return queues;
    }

    /**
     * The retry queues a group's broker retries may use: one per level from the level of the
     * shortest delay to that of the longest ({@link #level}).
     *
     * @param range the delays, or null for none
     * @return the queue names, shortest level first, never null
     */
    static List<String> retryQueues(Group g, SubscriptionRequest.DelayRange range) {
        List<String> queues = new ArrayList<>();
        if (range == null) {
            return queues;
        }
        long lowest = level(millis(range.shortest()));
        long highest = level(millis(range.longest()));
        List<Long> levels = new ArrayList<>();
        for (long l = 1000; l >= 1; l /= 2) {
            levels.add(0, l);
        }
        for (long l = 2000; l <= highest; l *= 2) {
            levels.add(l);
        }
        for (long l : levels) {
            if (l >= lowest && l <= highest) {
                queues.add(retryQueue(g, l));
            }
        }
        return queues;
    }

    /** A delay in whole milliseconds, rounded up, at least 1: as a copy's {@code expiration}. */
    static long millis(java.time.Duration delay) {
        long nanos = Math.max(1, delay.toNanos());
        return (nanos + 999_999) / 1_000_000;
    }

    /** What a group needs to exist: what its channel's options name, and with declare=false all the rest. */
    private List<Needed> needed(Group g, ChannelOptions options) {
        List<Needed> needed = new ArrayList<>();
        if (options.queue() != null) {
            needed.add(new Needed("queue", options.queue(),
                    "named by " + ChannelOptions.describe(options.channel(), ChannelOptions.QUEUE)));
        } else if (options.exchange() != null) {
            needed.add(exchangeOption(options));
        }
        if (!config.declare()) {
            if (options.queue() == null) {
                if (options.exchange() == null) {
                    needed.add(new Needed("exchange", g.destination(), DECLARE));
                }
                needed.add(new Needed("queue", g.queue(), DECLARE));
            }
            if (g.deadLetters()) {
                needed.add(new Needed("exchange", g.deadLetterExchange(), DECLARE));
                needed.add(new Needed("queue", g.deadLetterQueue(), DECLARE));
            }
        }
        return needed;
    }

    /**
     * Declares a group's objects in one round trip: its destination's exchange (unless it uses an
     * existing exchange or queue), its dead-letter exchange and queue, and its own queue bound with
     * the channel's {@code routing-key} (default {@code #}).
     */
    private void declare(Group g, ChannelOptions options) {
        String exchange = options.exchange() != null ? options.exchange() : g.destination();
        String binding = options.routingKey() != null ? options.routingKey() : ALL;
        run("the queues of group '" + g.name() + "' on '" + g.destination() + "'", c -> {
            if (options.exchange() == null && options.queue() == null) {
                declarations.exchange(g.destination());
                c.exchangeDeclareNoWait(g.destination(), BuiltinExchangeType.TOPIC, true, false, false, null);
            }
            if (g.deadLetters()) {
                declarations.exchange(g.deadLetterExchange());
                c.exchangeDeclareNoWait(g.deadLetterExchange(), BuiltinExchangeType.TOPIC, true, false, false, null);
                // the dead-letter queue is declared exactly as the queue of group g on d.dlq would be,
                // so that such a group (a replay app) finds it equivalent and reads it
                Group dead = Group.of(g.deadLetterExchange(), g.name(), null, ChannelOptions.KeySource.HEADER, false);
                // the reply to the last declaration confirms them all
                queue(c, dead, dead.destination(), ALL, g.ownQueue());
            }
            if (g.ownQueue()) {
                queue(c, g, exchange, binding, false);
            }
        });
    }

    private static final String DECLARE = "the transport declares nothing: " + RabbitMqConfig.describe(
            RabbitMqConfig.DECLARE) + " is false";

    private static Needed exchangeOption(ChannelOptions options) {
        return new Needed("exchange", options.exchange(),
                "named by " + ChannelOptions.describe(options.channel(), ChannelOptions.EXCHANGE));
    }

    /**
     * A group's own queue, bound to an exchange, dead-lettering to its dead-letter exchange; the
     * queue of a group without dead letters (a dead-letter queue among them) names no dead-letter
     * exchange and has no delivery limit: the broker never drops what it keeps.
     *
     * @param nowait whether to send the binding without waiting for its reply (else it is waited for)
     */
    private void queue(Channel c, Group g, String exchange, String binding, boolean nowait) throws IOException {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", config.queueType().argument());
        if (g.deadLetters()) {
            arguments.put("x-dead-letter-exchange", g.deadLetterExchange());
            if (config.queueType() == RabbitMqConfig.QueueType.QUORUM) {
                // the broker itself stops a message that keeps coming back, even across crashes
                arguments.put("x-delivery-limit", config.maxDeliveries());
            }
        }
        if (config.ordering() == RabbitMqConfig.Ordering.SINGLE_ACTIVE_CONSUMER) {
            arguments.put("x-single-active-consumer", true);
        }
        declarations.queue(g.queue());
        c.queueDeclareNoWait(g.queue(), true, false, false, arguments);
        if (nowait) {
            c.queueBindNoWait(g.queue(), exchange, binding, null);
        } else {
            c.queueBind(g.queue(), exchange, binding);
        }
    }

    /**
     * Checks that every needed object exists, with passive declarations.
     *
     * @throws TransportException naming every missing object and the setting that needs it
     */
    private void require(String channel, List<Needed> needed) {
        List<String> missing = new ArrayList<>();
        for (Needed n : needed) {
            String problem = check(n);
            if (problem != null) {
                missing.add(problem);
            }
        }
        if (!missing.isEmpty()) {
            throw new TransportException("Channel '" + channel + "' needs RabbitMQ objects that are missing: "
                    + String.join(", ", missing) + "; create them (see the topology in docs/transports/rabbitmq.md) "
                    + "or change the setting");
        }
    }

    /** @return null when the object exists, else what is wrong with it */
    private String check(Needed n) {
        try {
            if (admin == null || !admin.isOpen()) {
                admin = connection.createChannel();
            }
            if (n.queue()) {
                admin.queueDeclarePassive(n.name());
            } else {
                admin.exchangeDeclarePassive(n.name());
            }
            return null;
        } catch (IOException | ShutdownSignalException e) {
            admin = null; // a failed passive declaration closes the channel
            String reason = reason(e);
            String what = n.kind() + " '" + n.name() + "' (" + n.setting() + ")";
            return reason.startsWith("404 ") ? what : what + " cannot be used: " + reason;
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
        if (!config.declare()) {
            String problem = check(new Needed("queue", queue, DECLARE));
            if (problem != null) {
                throw new TransportException("RabbitMQ has no retry queue for this delay: " + problem
                        + "; the retry waits in the process");
            }
            retryQueues.add(queue);
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
