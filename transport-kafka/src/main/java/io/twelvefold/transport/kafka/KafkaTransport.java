package io.twelvefold.transport.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to a Kafka cluster: one shared idempotent producer, one admin client (topic
 * provisioning and the health probe), and a consumer per subscription.
 */
final class KafkaTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransport.class);
    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.ORDERED_BY_KEY, Capability.COMPETING_CONSUMERS, Capability.FAN_OUT,
            Capability.REDELIVERY, Capability.PAUSE_RESUME, Capability.DURABLE));
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    private final KafkaTransportConfig config;
    private final MeterRegistry registry;
    private final Admin admin;
    private final ScheduledExecutorService probe;
    private final Set<String> provisioned = ConcurrentHashMap.newKeySet();
    private final Set<KafkaSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Set<KafkaPublisher> publishers = ConcurrentHashMap.newKeySet();
    private final Object producerLock = new Object();
    private KafkaProducer<String, byte[]> producer;
    private KafkaClientMetrics producerMetrics;
    private volatile boolean connected;
    private volatile boolean closed;

    KafkaTransport(KafkaTransportConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        Map<String, Object> props = config.clientProperties(AdminClientConfig.configNames());
        Optional.ofNullable(config.clientId("admin")).ifPresent(id -> props.put(AdminClientConfig.CLIENT_ID_CONFIG, id));
        this.admin = Admin.create(props);
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "twelvefold-kafka-probe");
            t.setDaemon(true);
            return t;
        });
        probe.scheduleWithFixedDelay(this::probe, 0, PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    KafkaTransportConfig config() {
        return config;
    }

    MeterRegistry registry() {
        return registry;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Publisher publisher(String destination) {
        Objects.requireNonNull(destination, "destination");
        checkOpen();
        provision(destination);
        KafkaPublisher publisher = new KafkaPublisher(this, destination, producer());
        publishers.add(publisher);
        return publisher;
    }

    @Override
    public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        provision(request.destination());
        KafkaSubscription subscription = new KafkaSubscription(this, request, handler);
        subscriptions.add(subscription);
        try {
            subscription.start();
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
        return subscription;
    }

    /** Whether the last probe (a describeCluster every 2 s) reached the cluster. */
    @Override
    public boolean connected() {
        return connected && !closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (KafkaSubscription s : new ArrayList<>(subscriptions)) {
            s.close();
        }
        for (KafkaPublisher p : new ArrayList<>(publishers)) {
            p.close();
        }
        synchronized (producerLock) {
            if (producer != null) {
                producerMetrics.close();
                producer.close(Duration.ofSeconds(30));
            }
        }
        probe.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }

    void closed(KafkaSubscription s) {
        subscriptions.remove(s);
    }

    void closed(KafkaPublisher p) {
        publishers.remove(p);
    }

    private KafkaProducer<String, byte[]> producer() {
        synchronized (producerLock) {
            if (producer == null) {
                Map<String, Object> props = new java.util.LinkedHashMap<>();
                // The runtime waits for an event's outputs to be confirmed before the next event of
                // its key: send at once rather than waiting 5 ms (Kafka 4's default) to fill a batch.
                props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
                props.putAll(config.clientProperties(ProducerConfig.configNames()));
                props.put(ProducerConfig.ACKS_CONFIG, "all");
                props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
                Optional.ofNullable(config.clientId("producer"))
                        .ifPresent(id -> props.put(ProducerConfig.CLIENT_ID_CONFIG, id));
                producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
                producerMetrics = new KafkaClientMetrics(producer);
                producerMetrics.bindTo(registry);
            }
            return producer;
        }
    }

    /** Creates the topic and its dead-letter topic when provisioning is on; once per topic and transport. */
    private void provision(String topic) {
        if (!config.provisionTopics || provisioned.contains(topic)) {
            return;
        }
        List<NewTopic> topics = new ArrayList<>();
        for (String name : List.of(topic, topic + ".dlq")) {
            if (!provisioned.contains(name) && !name.endsWith(".dlq.dlq")) {
                topics.add(new NewTopic(name, Optional.ofNullable(config.topicPartitions),
                        Optional.ofNullable(config.topicReplicationFactor)));
            }
        }
        long deadline = System.nanoTime() + config.subscribeTimeout.toNanos();
        try {
            var result = admin.createTopics(topics);
            List<String> created = new ArrayList<>();
            for (NewTopic t : topics) {
                try {
                    result.values().get(t.name()).get(config.subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
                    created.add(t.name());
                    LOG.info("Created Kafka topic '{}'", t.name());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new TransportException("Kafka topic '" + t.name() + "' could not be created: "
                                + e.getCause().getMessage() + "; check the broker and the admin ACLs, or create it "
                                + "and set twelvefold.kafka.provision-topics to false", e.getCause());
                    }
                }
            }
            awaitLeaders(created, deadline);
            topics.forEach(t -> provisioned.add(t.name()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("Interrupted while creating Kafka topic '" + topic + "'", e);
        } catch (TimeoutException e) {
            throw new TransportException("Kafka topic '" + topic + "' could not be created within "
                    + config.subscribeTimeout + ": is the cluster at '" + config.bootstrapServers + "' reachable?", e);
        }
    }

    /**
     * Waits until the leader of every partition of new topics serves requests. Right after
     * CreateTopics a broker may still answer NOT_LEADER_OR_FOLLOWER, and an idempotent producer
     * whose first batch meets that while later batches get through is stuck retrying with
     * OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout. DescribeProducers is answered by the
     * partition leader itself, so its success means the partitions accept appends.
     */
    private void awaitLeaders(List<String> topics, long deadlineNanos) throws InterruptedException, TimeoutException {
        if (topics.isEmpty()) {
            return;
        }
        Exception last = null;
        while (System.nanoTime() < deadlineNanos) {
            try {
                List<TopicPartition> partitions = new ArrayList<>();
                admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS).forEach((name, d) ->
                        d.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
                admin.describeProducers(partitions).all().get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                last = e;
                Thread.sleep(50);
            }
        }
        TimeoutException timeout = new TimeoutException("the partitions of " + topics + " have no leader");
        timeout.initCause(last);
        throw timeout;
    }

    /**
     * KIP-848 groups: waits (at most {@code max}) until every member reconciled its target
     * assignment, so that a member joining a busy group gets its partitions before the caller goes
     * on, rather than after the others drained the backlog. Best effort: returns silently on timeout.
     */
    void awaitGroupSettled(String group, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                        .get(2, TimeUnit.SECONDS);
                if (d.groupState() == GroupState.STABLE && d.groupEpoch().equals(d.targetAssignmentEpoch())) {
                    return;
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("Describing group '{}' failed: {}", group, e.toString());
                return;
            }
        }
        LOG.debug("Group '{}' still reconciling after {}", group, max);
    }

    private void probe() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_INTERVAL.toMillis()))
                    .clusterId().get(PROBE_INTERVAL.toMillis() + 500, TimeUnit.MILLISECONDS);
            if (!connected) {
                LOG.info("Connected to the Kafka cluster at '{}'", config.bootstrapServers);
            }
            connected = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            if (connected) {
                LOG.warn("The Kafka cluster at '{}' is unreachable: {}", config.bootstrapServers, e.toString());
            }
            connected = false;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new TransportException("Transport 'kafka' is closed; create a new transport");
        }
    }

    @Override
    public String toString() {
        return "KafkaTransport[" + config.bootstrapServers + "]";
    }
}
