package io.twelvefold.transport.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
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
import java.util.concurrent.CompletableFuture;
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
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to a Kafka cluster: one shared idempotent producer, one admin client (topic
 * provisioning, the health probe, the KIP-848 group settling), and a consumer per subscription.
 *
 * <p>Creating a Kafka client takes 200-600 ms of class loading, configuration and metrics set-up
 * on a cold JVM, and the first request another 200-300 ms (the protocol's message, request and
 * error classes, about a thousand, initialised by one thread). Only the consumer is on the way to
 * ready (subscribing joins the group), so as soon as the transport exists a thread of its own
 * initialises the protocol classes and then creates the producer, while the caller goes on to
 * create the consumer; publishers take the producer when they first send, and subscribing waits
 * for it only once the group is joined. The admin client is not needed to start: it is created
 * {@value #ADMIN_DELAY_MS} ms after the transport (then probes the cluster every 2 s), or earlier
 * when something needs it first (topic provisioning, a KIP-848 member joining others); until it
 * probes, a joined group is what shows the cluster reachable.
 */
final class KafkaTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransport.class);
    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.ORDERED_BY_KEY, Capability.COMPETING_CONSUMERS, Capability.FAN_OUT,
            Capability.REDELIVERY, Capability.PAUSE_RESUME, Capability.DURABLE));
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);
    private static final long METRICS_DELAY_MS = 5_000;
    /** When the admin client is created if nothing needed it before: after the start, off its CPU. */
    static final long ADMIN_DELAY_MS = 5_000;
    private static final long SETTLE_GRACE_MS = 500;

    private final KafkaTransportConfig config;
    private final java.util.function.Supplier<MeterRegistry> registrySource;
    private final long createdNanos;
    /** The registry the runtime hands over when the app is ready ({@link #onReady}). */
    private final CompletableFuture<MeterRegistry> readyRegistry = new CompletableFuture<>();
    /** The app's registry; resolved off the start-up path (the runtime may still be building it). */
    private final CompletableFuture<MeterRegistry> registry = new CompletableFuture<>();
    /** Creates the producer; resolves the registry and binds the clients' metrics later. */
    private final java.util.concurrent.ScheduledThreadPoolExecutor background;
    /** Guards {@link #adminClient}. */
    private final Object adminLock = new Object();
    private Admin adminClient;
    private RuntimeException adminFailure;
    private final CompletableFuture<KafkaProducer<String, byte[]>> producer;
    private final ScheduledExecutorService probe;
    private final Set<String> provisioned = ConcurrentHashMap.newKeySet();
    private final Set<KafkaSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Set<KafkaPublisher> publishers = ConcurrentHashMap.newKeySet();
    private final ClientMetrics producerMetrics;
    private volatile boolean connected;
    private volatile boolean closed;

    KafkaTransport(KafkaTransportConfig config, java.util.function.Supplier<MeterRegistry> registry) {
        this(config, registry, ADMIN_DELAY_MS);
    }

    /** @param adminDelayMs when the first probe creates the admin client, if nothing needed it before */
    KafkaTransport(KafkaTransportConfig config, java.util.function.Supplier<MeterRegistry> registry,
            long adminDelayMs) {
        this.config = config;
        this.registrySource = registry != null ? registry : readyRegistry::join;
        this.createdNanos = System.nanoTime();
        this.producer = new CompletableFuture<>();
        this.background = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "twelvefold-kafka-init");
            t.setDaemon(true);
            return t;
        });
        background.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        // the protocol classes first: the consumer's first request needs them, and the main thread
        // is meanwhile creating the consumer, which needs other classes
        background.execute(KafkaTransport::initialiseProtocol);
        background.execute(() -> create(producer, this::newProducer));
        this.producerMetrics = new ClientMetrics(() -> new KafkaClientMetrics(producer.join()));
        bind(producerMetrics);
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "twelvefold-kafka-probe");
            t.setDaemon(true);
            return t;
        });
        // the first probe creates the admin client, unless something needed it before
        probe.scheduleWithFixedDelay(this::probe, adminDelayMs, PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Loads and initialises the classes of the Kafka protocol that every client's first request
     * needs: the API keys (which initialise every message class and its schemas), the parsing of
     * requests and responses (linking them loads every request and response class) and the error
     * codes (every exception class). A client would do the same on its network thread at its first
     * request, on the way to the first response. No I/O; what fails here is left to the client.
     */
    static void initialiseProtocol() {
        ClassLoader loader = KafkaTransport.class.getClassLoader();
        for (Class<?> c : List.of(ApiKeys.class, AbstractRequest.class, AbstractResponse.class, RequestHeader.class,
                ResponseHeader.class, Errors.class)) {
            try {
                Class.forName(c.getName(), true, loader);
            } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                LOG.debug("Could not initialise {} ahead: {}", c.getName(), e.toString());
            }
        }
    }

    private static <T> void create(CompletableFuture<T> client, java.util.function.Supplier<T> factory) {
        try {
            client.complete(factory.get());
        } catch (RuntimeException | Error e) {
            client.completeExceptionally(e);
        }
    }

    /** Whether the admin client exists (it is created late, or when first needed). For tests. */
    boolean adminCreated() {
        synchronized (adminLock) {
            return adminClient != null;
        }
    }

    private Admin newAdmin() {
        Map<String, Object> props = config.clientProperties(AdminClientConfig.configNames());
        Optional.ofNullable(config.clientId("admin")).ifPresent(id -> props.put(AdminClientConfig.CLIENT_ID_CONFIG, id));
        return Admin.create(props);
    }

    private KafkaProducer<String, byte[]> newProducer() {
        Map<String, Object> props = new java.util.LinkedHashMap<>();
        // The runtime waits for an event's outputs to be confirmed before the next event of
        // its key: send at once rather than waiting 5 ms (Kafka 4's default) to fill a batch.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.putAll(config.clientProperties(ProducerConfig.configNames()));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        Optional.ofNullable(config.clientId("producer"))
                .ifPresent(id -> props.put(ProducerConfig.CLIENT_ID_CONFIG, id));
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Binds a client's metrics to the registry on the background thread, {@value #METRICS_DELAY_MS} ms
     * after the transport was created: registering a client's hundred-odd meters (Micrometer's Kafka
     * binder, on a cold JVM) is CPU the first events need more, on a small machine.
     */
    void bind(ClientMetrics metrics) {
        long delay = Math.max(0, METRICS_DELAY_MS - (System.nanoTime() - createdNanos) / 1_000_000);
        try {
            background.schedule(() -> {
                try {
                    MeterRegistry r = resolveRegistry();
                    if (r != null) {
                        metrics.bind(r);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("The Kafka client metrics could not be bound to the meter registry: {}", e.toString());
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile: nothing to bind
        }
    }

    /**
     * A client's Micrometer binding, made off the start-up path (binding the first client loads
     * Micrometer's Kafka binder and registers a hundred meters); closing before binding is safe.
     */
    static final class ClientMetrics {
        private final java.util.function.Supplier<KafkaClientMetrics> factory;
        private KafkaClientMetrics bound;
        private boolean closed;

        ClientMetrics(java.util.function.Supplier<KafkaClientMetrics> factory) {
            this.factory = factory;
        }

        synchronized void bind(MeterRegistry registry) {
            if (!closed && bound == null) {
                bound = factory.get();
                bound.bindTo(registry);
            }
        }

        synchronized void close() {
            closed = true;
            if (bound != null) {
                bound.close();
            }
        }
    }

    KafkaTransportConfig config() {
        return config;
    }

    /**
     * On the background thread, when the first client's metrics are bound: asks the runtime for its
     * registry the first time (the runtime builds it then, or has built it at READY), off the start path.
     *
     * @return the registry, or null when it could not be built
     */
    private MeterRegistry resolveRegistry() {
        if (!registry.isDone()) {
            create(registry, registrySource);
        }
        return registryIfReady();
    }

    /** @return the app's meter registry, or null until the first client's metrics were bound */
    MeterRegistry registryIfReady() {
        return registry.isCompletedExceptionally() ? null : registry.getNow(null);
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void onReady(MeterRegistry registry) {
        readyRegistry.complete(registry);
    }

    @Override
    public Publisher publisher(PublisherRequest request) {
        String destination = Objects.requireNonNull(request, "request").destination();
        checkOpen();
        provision(destination);
        failIfBroken(producer, "producer");
        KafkaPublisher publisher = new KafkaPublisher(this, destination);
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
            // the cluster answered the group join; the probe takes over from here
            markConnected();
            // ready means the processor can emit: the producer was created beside the consumer
            producer();
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
        return subscription;
    }

    /**
     * Whether the last probe (a describeCluster every 2 s, from {@value #ADMIN_DELAY_MS} ms after the
     * transport was created) reached the cluster; before the first probe, whether a subscription
     * joined its group.
     */
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
        KafkaProducer<String, byte[]> p = producer.exceptionally(e -> null).join();
        producerMetrics.close();
        if (p != null) {
            p.close(Duration.ofSeconds(30));
        }
        background.shutdown();
        probe.shutdownNow();
        synchronized (adminLock) {
            // closed is set: no admin client is created after this
            if (adminClient != null) {
                adminClient.close(Duration.ofSeconds(5));
            }
        }
    }

    void closed(KafkaSubscription s) {
        subscriptions.remove(s);
    }

    void closed(KafkaPublisher p) {
        publishers.remove(p);
    }

    /** The shared producer, waiting for its creation if it is still under way. */
    KafkaProducer<String, byte[]> producer() {
        return client(producer, "producer");
    }

    /**
     * The admin client, created by the calling thread if it does not exist yet (once; a failure is
     * kept and thrown again).
     */
    private Admin admin() {
        synchronized (adminLock) {
            if (adminClient == null && adminFailure == null) {
                checkOpen();
                try {
                    adminClient = newAdmin();
                } catch (RuntimeException e) {
                    adminFailure = new TransportException("The Kafka admin client could not be created: "
                            + e.getMessage(), e);
                }
            }
            if (adminFailure != null) {
                throw adminFailure;
            }
            return adminClient;
        }
    }

    private static <T> T client(CompletableFuture<T> client, String what) {
        try {
            return client.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            throw new TransportException("The Kafka " + what + " could not be created: " + cause.getMessage(), cause);
        }
    }

    private static void failIfBroken(CompletableFuture<?> client, String what) {
        if (client.isCompletedExceptionally()) {
            client(client, what);
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
            var result = admin().createTopics(topics);
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
                admin().describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS).forEach((name, d) ->
                        d.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
                admin().describeProducers(partitions).all().get(5, TimeUnit.SECONDS);
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
     * on, rather than after the others drained the backlog. Returns as soon as {@code settled}
     * says so (the member owns every partition: nothing to wait for). A member alone in its group
     * usually gets every partition with its first heartbeat: for up to {@value #SETTLE_GRACE_MS} ms
     * only {@code settled} is watched, so that such a member does not create the admin client on
     * its way to ready. Best effort: returns silently on timeout.
     */
    void awaitGroupSettled(String group, Duration max, java.util.function.BooleanSupplier settled) {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        long grace = start + Math.min(max.toNanos(), TimeUnit.MILLISECONDS.toNanos(SETTLE_GRACE_MS));
        try {
            while (System.nanoTime() < grace && !settled.getAsBoolean() && !adminCreated()) {
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        while (System.nanoTime() < deadline && !settled.getAsBoolean()) {
            try {
                ConsumerGroupDescription d = admin().describeConsumerGroups(List.of(group)).describedGroups()
                        .get(group).get(2, TimeUnit.SECONDS);
                if (d.groupState() == GroupState.STABLE && d.groupEpoch().equals(d.targetAssignmentEpoch())) {
                    return;
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                LOG.debug("Describing group '{}' failed: {}", group, e.toString());
                return;
            }
        }
        if (!settled.getAsBoolean()) {
            LOG.debug("Group '{}' still reconciling after {}", group, max);
        }
    }

    private void markConnected() {
        if (!connected && !closed) {
            LOG.info("Connected to the Kafka cluster at '{}'", config.bootstrapServers);
            connected = true;
        }
    }

    private void probe() {
        try {
            Admin a = admin();
            a.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_INTERVAL.toMillis()))
                    .clusterId().get(PROBE_INTERVAL.toMillis() + 500, TimeUnit.MILLISECONDS);
            markConnected();
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
