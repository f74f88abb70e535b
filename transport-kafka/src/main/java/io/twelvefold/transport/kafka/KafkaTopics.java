package io.twelvefold.transport.kafka;

import static io.twelvefold.transport.kafka.KafkaTransportConfig.CREATE_TOPICS;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.key;

import io.twelvefold.core.TransportException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * checked to exist. Once per topic and transport, on a thread of its own, so that the start does
 * not wait for the admin client and a round trip per topic before it creates its consumers: a
 * subscription waits for every topic asked for so far before it joins its group, and a publisher's
 * first send for its topic. Thread-safe.
 */
final class KafkaTopics {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private final KafkaTransportConfig config;
    private final Supplier<Admin> admin;
    private final Set<String> ready = ConcurrentHashMap.newKeySet();
    /** The checks started, in the order they were asked for. Guarded by itself. */
    private final Map<String, CompletableFuture<Void>> started = Collections.synchronizedMap(new LinkedHashMap<>());
    private final ExecutorService checks = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "twelvefold-kafka-topics");
        t.setDaemon(true);
        return t;
    });

    /** @param admin the transport's admin client, waiting for its creation if need be */
    KafkaTopics(KafkaTransportConfig config, Supplier<Admin> admin) {
        this.config = config;
        this.admin = admin;
    }

    /**
     * Starts making sure a topic exists ({@link #ensure}) on the topics' thread; the same future
     * for the same topic.
     *
     * @return completes when the topic exists, or exceptionally with the {@link TransportException}
     */
    CompletableFuture<Void> ensureInBackground(String channel, String topic) {
        return started.computeIfAbsent(topic, t -> CompletableFuture.runAsync(() -> ensure(channel, t), checks));
    }

    /**
     * Waits for every topic asked for so far.
     *
     * @throws TransportException the first failure, in the order the topics were asked for
     */
    void awaitStarted() {
        List<CompletableFuture<Void>> all;
        synchronized (started) {
            all = new ArrayList<>(started.values());
        }
        for (CompletableFuture<Void> f : all) {
            await(f);
        }
    }

    /**
     * Waits for one topic.
     *
     * @throws TransportException when it does not exist and could not be created
     */
    static void await(CompletableFuture<Void> topic) {
        try {
            topic.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new TransportException("Could not check a Kafka topic: " + e.getCause(), e.getCause());
        }
    }

    /** Stops the topics' thread; a check under way is interrupted. */
    void close() {
        checks.shutdownNow();
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
