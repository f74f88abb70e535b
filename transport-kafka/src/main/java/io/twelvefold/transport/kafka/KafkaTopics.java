package io.twelvefold.transport.kafka;

import static io.twelvefold.transport.kafka.KafkaTransportConfig.CREATE_TOPICS;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.key;

import io.twelvefold.core.TransportException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics a transport uses: created when missing ({@code create-topics}, the default), or
 * checked to exist. Once per topic and transport; thread-safe.
 */
final class KafkaTopics {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private final KafkaTransportConfig config;
    private final Supplier<Admin> admin;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();

    /** @param admin the transport's admin client, waiting for its creation if need be */
    KafkaTopics(KafkaTransportConfig config, Supplier<Admin> admin) {
        this.config = config;
        this.admin = admin;
    }

    /**
     * Makes sure a topic exists: creates it, or checks that it exists when creating is off.
     *
     * @param channel the channel that needs it, for the message
     * @param topic the topic
     * @throws TransportException when it does not exist and may not be created, or cannot be created
     */
    void ensure(String channel, String topic) {
        if (ready.contains(topic)) {
            return;
        }
        long deadline = System.nanoTime() + config.subscribeTimeout.toNanos();
        try {
            if (config.createTopics) {
                create(channel, topic, deadline);
            } else {
                check(channel, topic);
            }
            ready.add(topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("Interrupted while checking Kafka topic '" + topic + "'", e);
        } catch (TimeoutException e) {
            throw new TransportException("Kafka topic '" + topic + "' (channel '" + channel + "') could not be "
                    + (config.createTopics ? "created" : "checked") + " within " + BrokerProbe.shown(config.subscribeTimeout)
                    + ": is the cluster at '" + config.bootstrapServers + "' reachable?", e);
        }
    }

    private void check(String channel, String topic) throws InterruptedException, TimeoutException {
        try {
            admin.get().describeTopics(List.of(topic)).allTopicNames()
                    .get(config.subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new TransportException(missing(channel, topic));
            }
            throw new TransportException("Kafka topic '" + topic + "' (channel '" + channel + "') could not be "
                    + "checked: " + BrokerProbe.describe(e.getCause()) + "; check the broker and the admin ACLs "
                    + "(DESCRIBE on the topic)", e.getCause());
        }
    }

    /** The message for a topic that is missing while creating topics is off. */
    static String missing(String channel, String topic) {
        return "Kafka topic '" + topic + "' (channel '" + channel + "') does not exist and " + key(CREATE_TOPICS)
                + " is false; create the topic, or set TWELVEFOLD_KAFKA_CREATE_TOPICS=true to let the app create it";
    }

    private void create(String channel, String topic, long deadline) throws InterruptedException, TimeoutException {
        NewTopic t = new NewTopic(topic, Optional.ofNullable(config.topicPartitions),
                Optional.ofNullable(config.topicReplicationFactor));
        try {
            admin.get().createTopics(List.of(t)).values().get(topic)
                    .get(config.subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created Kafka topic '{}' for channel '{}'", topic, channel);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return;
            }
            throw new TransportException("Kafka topic '" + topic + "' (channel '" + channel + "') could not be "
                    + "created: " + BrokerProbe.describe(e.getCause()) + "; check the broker and the admin ACLs "
                    + "(CREATE), or create the topic and set " + key(CREATE_TOPICS) + " to false", e.getCause());
        }
        awaitLeaders(topic, deadline);
    }

    /**
     * Waits until the leader of every partition of a new topic serves requests. Right after
     * CreateTopics a broker may still answer NOT_LEADER_OR_FOLLOWER, and an idempotent producer
     * whose first batch meets that while later batches get through is stuck retrying with
     * OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout. DescribeProducers is answered by the
     * partition leader itself, so its success means the partitions accept appends.
     */
    private void awaitLeaders(String topic, long deadlineNanos) throws InterruptedException, TimeoutException {
        Exception last = null;
        while (System.nanoTime() < deadlineNanos) {
            try {
                List<TopicPartition> partitions = new ArrayList<>();
                admin.get().describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS).forEach((name, d) ->
                        d.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
                admin.get().describeProducers(partitions).all().get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                last = e;
                Thread.sleep(50);
            }
        }
        TimeoutException timeout = new TimeoutException("the partitions of '" + topic + "' have no leader");
        timeout.initCause(last);
        throw timeout;
    }
}
