package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A channel's settings for this transport, under {@code twelvefold.channels.<channel>.rabbitmq.}:
 * the broker objects the channel uses that the transport did not make, and where a delivered
 * message's key comes from. Immutable.
 *
 * @param channel the channel
 * @param queue an existing queue to consume from, or null for the group's own queue
 * @param exchange an existing exchange to publish to (and to bind the group's own queue to), or
 *     null for the destination's topic exchange; {@value #DEFAULT_EXCHANGE} is the default exchange
 * @param routingKey the routing key of every message published (and the binding key of the group's
 *     own queue on {@code exchange}), or null for the event's key (and {@code #})
 * @param key where a delivered message's key comes from
 */
record ChannelOptions(String channel, String queue, String exchange, String routingKey, KeySource key) {
    static final String QUEUE = "queue";
    static final String EXCHANGE = "exchange";
    static final String ROUTING_KEY = "routing-key";
    static final String KEY = "key";
    /**
     * How the default exchange is named in {@code exchange}: an empty value means "not set" in
     * MicroProfile Config, and RabbitMQ reserves names starting with {@code amq.}, so no exchange of
     * users can be called so.
     */
    static final String DEFAULT_EXCHANGE = "amq.default";

    /** Every channel key, in the order of the manifest and the docs table. */
    static final List<ConfigKey> KEYS = List.of(
            new ConfigKey(QUEUE, "string", null, false,
                    "An existing queue the channel consumes from instead of its group's own: nothing is declared "
                            + "for it and it must exist."),
            new ConfigKey(EXCHANGE, "string", null, false,
                    "An existing exchange the channel publishes to (and binds its group's own queue to) instead of "
                            + "the destination's topic exchange; not declared, it must exist; amq.default is the "
                            + "default exchange."),
            new ConfigKey(ROUTING_KEY, "string", null, false,
                    "The routing key of every message the channel publishes, by default the event's key; with "
                            + "exchange amq.default, the queue to publish to (default: queue). Also the binding key "
                            + "of the group's own queue on exchange (default #)."),
            new ConfigKey(KEY, "string", "header", false,
                    "Where a delivered message's key comes from: header (the cloudEvents:partitionkey header) or "
                            + "routing-key (that header, else the routing key, unless through the default exchange)."));

    /** Where a delivered message's key comes from. */
    enum KeySource {
        /** The {@code cloudEvents:partitionkey} header only. */
        HEADER,
        /** That header, else the routing key of a message published to a named exchange. */
        ROUTING_KEY
    }

    /** No option set: the channel's destination, its group's own queue, keys from the header. */
    static ChannelOptions none(String channel) {
        return new ChannelOptions(channel, null, null, null, KeySource.HEADER);
    }

    /**
     * Reads and validates a channel's options.
     *
     * @param channel the channel
     * @param options its keys relative to {@code twelvefold.channels.<channel>.rabbitmq.}, never null
     * @return the options, never null
     * @throws ConfigurationException listing every invalid value
     */
    static ChannelOptions from(String channel, Map<String, String> options) {
        List<String> problems = new ArrayList<>();
        ChannelOptions read = read(channel, options, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return read;
    }

    /**
     * Reads a channel's options, adding a line to {@code problems} for every invalid value.
     *
     * @return the options, or null when a value is invalid
     */
    static ChannelOptions read(String channel, Map<String, String> options, List<String> problems) {
        int before = problems.size();
        ConfigReader r = new ConfigReader(options, KEYS, key -> describe(channel, key), problems);
        String queue = r.name(QUEUE);
        String exchange = r.name(EXCHANGE);
        String routingKey = r.name(ROUTING_KEY);
        KeySource key = r.choice(KEY, KeySource.class);
        if (DEFAULT_EXCHANGE.equals(exchange) && routingKey == null && queue == null && problems.size() == before) {
            problems.add(describe(channel, ROUTING_KEY) + " must name the queue to publish to when "
                    + describe(channel, EXCHANGE) + " is '" + DEFAULT_EXCHANGE + "' (the default exchange routes by "
                    + "queue name), was ''; set it, or set " + describe(channel, QUEUE));
        }
        if (problems.size() > before) {
            return null;
        }
        return new ChannelOptions(channel, queue, exchange, routingKey, key);
    }

    /** {@code twelvefold.channels.<channel>.rabbitmq.<key> (TWELVEFOLD_CHANNELS_<CHANNEL>_RABBITMQ_<KEY>)}. */
    static String describe(String channel, String key) {
        String full = "twelvefold.channels." + channel + "." + RabbitMqConfig.NAME + "." + key;
        return full + " (" + ConfigReader.environmentVariable(full) + ")";
    }

    /** @return whether the channel publishes to the default exchange */
    boolean defaultExchange() {
        return DEFAULT_EXCHANGE.equals(exchange);
    }

    /**
     * The routing key of every message published on the channel: {@code routing-key}, or with the
     * default exchange the {@code queue}; null when each message's key routes it.
     */
    String fixedRoutingKey() {
        if (routingKey != null) {
            return routingKey;
        }
        return defaultExchange() ? queue : null;
    }
}
