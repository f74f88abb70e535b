package io.twelvefold.transport.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.DeadLetterStore;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.GroupState;
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
 * A connection to a Kafka cluster: one shared idempotent producer, one admin client (topics, the
 * health probe, the KIP-848 group settling), and a consumer per subscription.
 *
 * <p>Creating a Kafka client takes 200-600 ms of class loading, configuration and metrics set-up
 * on a cold JVM, and the first request another 200-300 ms (the protocol's message, request and
 * error classes, about a thousand, initialised by one thread). So as soon as the transport exists a
 * thread of its own initialises the protocol classes, then creates the admin client (the first
 * publisher or subscription waits for it, to create or check its topic) and the producer, while the
 * caller goes on to create the consumer; publishers take the producer when they first send, and
 * subscribing waits for it only once the group is joined. That thread then probes the cluster every
 * {@value #PROBE_INTERVAL_MS} ms.
 */
final class KafkaTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransport.class);
    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.ORDERED_BY_KEY, Capability.COMPETING_CONSUMERS, Capability.FAN_OUT,
            Capability.REDELIVERY, Capability.PAUSE_RESUME, Capability.DURABLE));
    static final long PROBE_INTERVAL_MS = 2_000;
    private static final long SETTLE_GRACE_MS = 500;

    private final KafkaTransportConfig config;
    private final KafkaDeadLetters deadLetters;
    /** Creates the producer and the admin client, then probes the cluster. */
    private final ScheduledThreadPoolExecutor background;
    private final CompletableFuture<KafkaProducer<String, byte[]>> producer = new CompletableFuture<>();
    private final CompletableFuture<Admin> admin = new CompletableFuture<>();
    private final KafkaTopics topics;
    private final KafkaMeters meters = new KafkaMeters();
    private final KafkaMeters.ClientMetrics producerMetrics;
    private final ConnectionState connection;
    private final Set<KafkaSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Set<KafkaPublisher> publishers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param config the settings
     * @param checkedAdmin an admin client that already reached the cluster (the credentials check),
     *     or null to create one
     */
    KafkaTransport(KafkaTransportConfig config, Admin checkedAdmin) {
        this(config, checkedAdmin, PROBE_INTERVAL_MS);
    }

    /** @param probeDelayMs when the first probe runs, after the clients were created */
    KafkaTransport(KafkaTransportConfig config, Admin checkedAdmin, long probeDelayMs) {
        this.config = config;
        this.deadLetters = new KafkaDeadLetters(config);
        this.connection = new ConnectionState(config.bootstrapServers);
        this.topics = new KafkaTopics(config, this::admin);
        this.background = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "twelvefold-kafka");
            t.setDaemon(true);
            return t;
        });
        background.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        // the protocol classes first: the consumer's first request needs them, and the main thread
        // is meanwhile creating the consumer, which needs other classes
        background.execute(KafkaTransport::initialiseProtocol);
        // the admin client before the producer: the first publisher or subscription waits for it (to
        // create or check its topic), and the producer is needed only by the first send
        if (checkedAdmin != null) {
            admin.complete(checkedAdmin);
        } else {
            background.execute(() -> create(admin, this::newAdmin));
        }
        background.execute(() -> create(producer, this::newProducer));
        // bound when the app is ready, by then the producer exists (creating it does not wait for the broker)
        this.producerMetrics = meters.client(() -> new KafkaClientMetrics(producer.join()));
        background.scheduleWithFixedDelay(this::probe, probeDelayMs, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
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

    private static <T> void create(CompletableFuture<T> client, Supplier<T> factory) {
        try {
            client.complete(factory.get());
        } catch (RuntimeException | Error e) {
            client.completeExceptionally(e);
        }
    }

    /** The admin client's settings; also those of the credentials check. */
    static Map<String, Object> adminProperties(KafkaTransportConfig config) {
        Map<String, Object> props = config.clientProperties(AdminClientConfig.configNames());
        Optional.ofNullable(config.clientId("admin")).ifPresent(id -> props.put(AdminClientConfig.CLIENT_ID_CONFIG, id));
        return props;
    }

    private Admin newAdmin() {
        return Admin.create(adminProperties(config));
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

    /** Creates the topic (or, with {@code create-topics=false}, checks it) with the configured partitions and replication. */
    @Override
    public List<String> provision(SubscriptionRequest request) {
        Objects.requireNonNull(request, "request");
        topics.ensure(request.channel(), request.destination());
        return List.of();
    }

    /** @return the dead letters, tracked by an admin group per consumer group */
    @Override
    public Optional<DeadLetterStore> deadLetters() {
        return Optional.of(deadLetters);
    }

    KafkaTransportConfig config() {
        return config;
    }

    KafkaMeters meters() {
        return meters;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    /**
     * Binds the producer's and the consumers' own metrics to the registry; the subscriptions
     * register their lag gauges within a second. Consumers created later bind theirs at once.
     */
    @Override
    public void onReady(MeterRegistry registry) {
        meters.ready(Objects.requireNonNull(registry, "registry"));
    }

    @Override
    public Publisher publisher(PublisherRequest request) {
        Objects.requireNonNull(request, "request");
        checkOpen();
        CompletableFuture<Void> topic = topics.ensureInBackground(request.channel(), request.destination());
        failIfBroken(producer, "producer");
        KafkaPublisher publisher = new KafkaPublisher(this, request.destination(), topic);
        publishers.add(publisher);
        return publisher;
    }

    @Override
    public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        topics.ensureInBackground(request.channel(), request.destination());
        // the consumer is created while the topics are checked or created
        KafkaSubscription subscription = new KafkaSubscription(this, request, handler);
        subscriptions.add(subscription);
        try {
            // this channel's topic and every publisher's so far: a missing one fails the start here
            topics.awaitStarted();
            subscription.start();
            // the cluster answered the group join
            connection.connected();
            // ready means the processor can emit: the producer was created beside the consumer
            producer();
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
        return subscription;
    }

    /**
     * Whether the last probe (a describeCluster every {@value #PROBE_INTERVAL_MS} ms) reached the
     * cluster, or, before the first probe, whether a subscription joined its group.
     */
    @Override
    public boolean connected() {
        return connection.isConnected() && !closed;
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
        topics.close();
        // the producer and the admin client are created even so (their futures complete), the probe stops
        background.shutdown();
        KafkaProducer<String, byte[]> p = producer.exceptionally(e -> null).join();
        meters.close(producerMetrics);
        if (p != null) {
            p.close(Duration.ofSeconds(30));
        }
        Admin a = admin.exceptionally(e -> null).join();
        if (a != null) {
            a.close(Duration.ofSeconds(5));
        }
        deadLetters.close();
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

    /** The admin client, waiting for its creation if it is still under way. */
    private Admin admin() {
        return client(admin, "admin client");
    }

    private static <T> T client(CompletableFuture<T> client, String what) {
        try {
            return client.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            throw new TransportException("The Kafka " + what + " could not be created: " + cause.getMessage(), cause);
        }
    }

    private static void failIfBroken(CompletableFuture<?> client, String what) {
        if (client.isCompletedExceptionally()) {
            client(client, what);
        }
    }

    /**
     * KIP-848 groups: waits (at most {@code max}) until every member reconciled its target
     * assignment, so that a member joining a busy group gets its partitions before the caller goes
     * on, rather than after the others drained the backlog. Returns as soon as {@code settled}
     * says so (the member owns every partition: nothing to wait for). A member alone in its group
     * usually gets every partition with its first heartbeat: while the admin client is still being
     * created, for up to {@value #SETTLE_GRACE_MS} ms, only {@code settled} is watched. Best effort:
     * returns silently on timeout.
     */
    void awaitGroupSettled(String group, Duration max, BooleanSupplier settled) {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        long grace = start + Math.min(max.toNanos(), TimeUnit.MILLISECONDS.toNanos(SETTLE_GRACE_MS));
        try {
            while (System.nanoTime() < grace && !settled.getAsBoolean() && !admin.isDone()) {
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

    private void probe() {
        String failure;
        try {
            Admin a = admin();
            a.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_INTERVAL_MS))
                    .clusterId().get(PROBE_INTERVAL_MS + 500, TimeUnit.MILLISECONDS);
            failure = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException e) {
            failure = BrokerProbe.describe(e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            failure = BrokerProbe.describe(e);
        }
        if (closed) {
            return;
        } else if (failure == null) {
            connection.connected();
        } else {
            connection.disconnected(failure);
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
