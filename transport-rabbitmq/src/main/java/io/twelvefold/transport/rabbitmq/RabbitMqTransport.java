package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two connections to one broker, one to publish and one to consume (so that a broker blocking
 * publishers under a memory alarm never holds back acknowledgements), both recovered automatically
 * by the client, with their topology.
 *
 * <p>Start-up: the publishing channels open on another thread while the runtime goes on declaring
 * publishers and subscriptions; the first send waits for them. The transport's meters count from
 * here and are registered when the app is ready ({@link #onReady}), never on the way to READY.
 */
final class RabbitMqTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTransport.class);

    private final RabbitMqConfig config;
    private final Connection publishing;
    private final Connection consuming;
    private final ExecutorService executor;
    private final RabbitMqTopology topology;
    /** The publishing channels, opened on another thread; see {@link #channelFor}. */
    private final CompletableFuture<ConfirmChannel[]> opening;
    /** Counting from now, registered with the app's registry when the app is ready ({@link #onReady}). */
    private final RabbitMqMeters meters;
    private final ConnectionWatch watch;
    private final ConfirmBatches batches = new ConfirmBatches();
    /** The publishing channels once open. */
    private volatile ConfirmChannel[] channels;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final Set<Capability> capabilities;
    private final Set<RabbitMqPublisher> publishers = ConcurrentHashMap.newKeySet();
    private final Set<RabbitMqSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Set<RabbitMqSubscription> cancelled = ConcurrentHashMap.newKeySet();
    /** Redeliveries seen by this process per queue and message id, for classic queues. */
    private final Map<String, Integer> redeliveries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    RabbitMqTransport(RabbitMqConfig config, Connection publishing, Connection consuming, ExecutorService executor,
            RabbitMqMeters meters, ConnectionWatch watch, RabbitMqTransportProvider.Declarations declarations) {
        this.config = config;
        this.publishing = publishing;
        this.consuming = consuming;
        this.executor = executor;
        this.meters = meters;
        this.watch = watch;
        this.opening = CompletableFuture.supplyAsync(() -> {
            ConfirmChannel[] opened = new ConfirmChannel[config.publisherChannels()];
            try {
                for (int i = 0; i < opened.length; i++) {
                    opened[i] = new ConfirmChannel(publishing, meters, watch, batches);
                }
            } catch (RuntimeException e) {
                for (ConfirmChannel c : opened) {
                    if (c != null) {
                        c.close();
                    }
                }
                throw e;
            }
            channels = opened;
            return opened;
        }, executor);
        watch.counts(this::unconfirmedSends, this::unacknowledged);
        watch.watch(publishing, true);
        watch.watch(consuming, false);
        this.topology = new RabbitMqTopology(publishing, config, declarations);
        EnumSet<Capability> c = EnumSet.of(Capability.FAN_OUT, Capability.REDELIVERY, Capability.PAUSE_RESUME,
                Capability.DURABLE, Capability.DELAYED_REDELIVERY, Capability.INLINE_PROCESSING);
        // competing members either share the queue (no order across them) or take turns (order kept)
        c.add(config.ordering() == RabbitMqConfig.Ordering.SINGLE_ACTIVE_CONSUMER
                ? Capability.ORDERED_BY_KEY : Capability.COMPETING_CONSUMERS);
        this.capabilities = Set.copyOf(c);
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    /** @return the dead-letter queues of the groups: browsed with basic.get and given back in order */
    @Override
    public java.util.Optional<DeadLetterStore> deadLetters() {
        return java.util.Optional.of(new RabbitMqDeadLetters(consuming, config.queueType()));
    }

    @Override
    public void onReady(MeterRegistry registry) {
        try {
            meters.register(registry, this::connected);
        } catch (RuntimeException e) {
            LOG.warn("The RabbitMQ transport's meters could not be registered", e);
        }
    }

    /**
     * Opens a publisher: to the destination's topic exchange (declared, or checked with
     * {@code declare=false}), or to the channel's existing {@code exchange}, with the channel's
     * {@code routing-key} when set.
     *
     * @throws io.twelvefold.core.ConfigurationException when the channel's options are invalid
     * @throws TransportException when an object it needs is missing, naming the setting
     */
    @Override
    public Publisher publisher(PublisherRequest request) {
        Objects.requireNonNull(request, "request");
        checkOpen();
        ChannelOptions options = ChannelOptions.from(request.channel(), request.options());
        String exchange = topology.publishing(request.destination(), options);
        RabbitMqPublisher publisher = new RabbitMqPublisher(this, exchange, options.fixedRoutingKey(),
                config.publishTimeout());
        publishers.add(publisher);
        return publisher;
    }

    /**
     * Declares (or, with {@code declare=false}, checks) the group's queue, bindings, dead-letter
     * objects (unless the request has no dead letters) and the retry queues of its broker retries.
     *
     * @return the retry queues, as {@code retry queue '<name>'}
     */
    @Override
    public List<String> provision(SubscriptionRequest request) {
        Objects.requireNonNull(request, "request");
        checkOpen();
        RabbitMqTopology.Group group = topology.group(request.destination(), request.group(),
                ChannelOptions.from(request.channel(), request.options()), request.deadLetters());
        return topology.retryQueues(request.channel(), group, request.brokerRetries()).stream()
                .map(q -> "retry queue '" + q + "'").toList();
    }

    /**
     * Subscribes a group: to its own queue, bound to the destination's topic exchange (or the
     * channel's {@code exchange}), or to the channel's existing {@code queue}; declared, or checked
     * with {@code declare=false}, with its dead-letter objects as {@link #provision} (and, with
     * {@code declare=false}, its retry queues checked; otherwise each is declared at its first copy).
     *
     * @throws io.twelvefold.core.ConfigurationException when the channel's options are invalid
     * @throws TransportException when an object it needs is missing or the broker refused the consumer
     */
    @Override
    public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        ChannelOptions options = ChannelOptions.from(request.channel(), request.options());
        RabbitMqTopology.Group group = topology.group(request.destination(), request.group(), options,
                request.deadLetters());
        if (!config.declare()) {
            // what provision declared: a start without it fails here rather than at the first retry
            topology.retryQueues(request.channel(), group, request.brokerRetries());
        }
        Channel channel = null;
        try {
            channel = consuming.createChannel();
            if (channel == null) {
                throw new TransportException("RabbitMQ refused a new channel: the channel limit of the connection is reached");
            }
            int prefetch = config.prefetch() != null ? config.prefetch() : request.prefetch();
            channel.basicQos(prefetch);
            RabbitMqSubscription subscription = new RabbitMqSubscription(this, group, channel, prefetch, handler,
                    executor, redeliveries);
            subscriptions.add(subscription);
            subscription.start();
            return subscription;
        } catch (IOException | AlreadyClosedException e) {
            if (channel != null && channel.isOpen()) {
                try {
                    channel.close();
                } catch (IOException | TimeoutException | AlreadyClosedException ignored) {
                    // reported below
                }
            }
            throw new TransportException("RabbitMQ refused to consume from queue '" + group.queue() + "': "
                    + e.getMessage(), e);
        }
    }

    /**
     * Publishes a delivery that the redelivery guard stops, from an existing queue, to the group's
     * dead-letter exchange: with its routing key, key, attributes and the given headers, confirmed.
     *
     * @return completes when the broker confirmed the copy, never null
     */
    CompletableFuture<Void> deadLetter(RabbitMqSubscription owner, RabbitMqTopology.Group group, RabbitMqMessage message,
            String routingKey, Map<String, String> headers) {
        if (closed) {
            return CompletableFuture.failedFuture(new TransportException("Transport 'rabbitmq' is closed"));
        }
        OutgoingMessage copy = new OutgoingMessage(message.key(), message.copyAttributes(), headers, message.payload());
        return channelFor(message.key()).send(owner, group.deadLetterExchange(), routingKey, copy, null, true);
    }

    /**
     * Publishes a copy of a delivery to the group's retry queue for its delay
     * ({@link RabbitMqTopology#retryQueue}), declared first if this transport has not yet (on a
     * transport thread, so that no caller waits for the broker), with the delay as the copy's
     * {@code expiration} (rounded up to a millisecond: never earlier), through the key's publishing
     * channel: persistent, mandatory, confirmed.
     *
     * <p>The copy has the delivery's key, attributes, message id and headers (its routing key among
     * them, see {@link MessageMapping#ROUTING_KEY}), without the headers the broker set on it
     * ({@code x-first-death-*}, {@code x-last-death-*}, {@code x-delivery-count}: they describe this
     * delivery, not the copy's), and with {@code extra} added.
     *
     * @return completes when the broker confirmed the copy, never null
     */
    CompletableFuture<Void> redeliverLater(RabbitMqSubscription owner, RabbitMqTopology.Group group,
            RabbitMqMessage message, Duration delay, Map<String, String> extra) {
        if (closed) {
            return CompletableFuture.failedFuture(new TransportException(
                    "Transport 'rabbitmq' is closed; a message cannot be redelivered later"));
        }
        long millis = RabbitMqTopology.millis(delay);
        String queue = RabbitMqTopology.retryQueue(group, millis);
        Map<String, String> headers = new HashMap<>();
        message.headers().forEach((name, value) -> {
            if (!name.startsWith("x-first-death-") && !name.startsWith("x-last-death-")
                    && !name.equals("x-delivery-count")) {
                headers.put(name, value);
            }
        });
        headers.putAll(extra);
        OutgoingMessage copy = new OutgoingMessage(message.key(), message.copyAttributes(), headers, message.payload());
        if (topology.retryQueueDeclared(queue)) {
            return sendCopy(owner, queue, copy, millis);
        }
        try {
            return CompletableFuture.runAsync(() -> topology.declareRetryQueue(group, queue), executor)
                    .thenCompose(declared -> sendCopy(owner, queue, copy, millis));
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new TransportException(
                    "Transport 'rabbitmq' is closed; a message cannot be redelivered later", e));
        }
    }

    private CompletableFuture<Void> sendCopy(RabbitMqSubscription owner, String queue, OutgoingMessage copy,
            long millis) {
        CompletableFuture<Void> sent = channelFor(copy.key()).send(owner, "", queue, copy, Long.toString(millis), true);
        return sent.whenComplete((v, e) -> {
            if (e != null) {
                // returned as unroutable: deleted behind our back; the next copy declares it again
                topology.retryQueueMissing(queue);
            }
        });
    }

    /**
     * Connected when both connections are open (not while the client recovers them), the publishing
     * channels did not fail to open, and no consumer was cancelled by the broker.
     */
    @Override
    public boolean connected() {
        CompletableFuture<?> o = opening; // null while the constructor runs (the meters' gauge may ask)
        return !closed && publishing.isOpen() && consuming.isOpen() && (o == null || !o.isCompletedExceptionally())
                && cancelled.isEmpty();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RabbitMqSubscription s : new ArrayList<>(subscriptions)) {
            s.close();
        }
        for (RabbitMqPublisher p : new ArrayList<>(publishers)) {
            p.close();
        }
        try {
            for (ConfirmChannel c : opening.get(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                c.close();
            }
        } catch (ExecutionException | TimeoutException e) {
            // closing the connection below closes whatever opened
            LOG.debug("The RabbitMQ publishing channels did not open", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        topology.close();
        for (Connection c : new Connection[] {consuming, publishing}) {
            try {
                c.close();
            } catch (IOException | AlreadyClosedException e) {
                LOG.debug("Closing a RabbitMQ connection failed", e);
            }
        }
        executor.shutdown();
    }

    ConfirmChannel channelFor(String key) {
        ConfirmChannel[] cs = channels;
        if (cs == null) {
            cs = await(opening);
        }
        int n = key == null ? roundRobin.getAndIncrement() : key.hashCode();
        return cs[Math.floorMod(n, cs.length)];
    }

    /**
     * The result of what {@link #RabbitMqTransport} started on another thread.
     *
     * @throws TransportException when it failed, as the constructor would have
     */
    private static <T> T await(CompletableFuture<T> started) {
        try {
            return started.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof TransportException te) {
                throw te;
            }
            throw new TransportException("RabbitMQ transport could not start: " + e.getCause(), e.getCause());
        }
    }

    /** @return the sends published or held and not yet confirmed, on every publishing channel */
    private int unconfirmedSends() {
        int n = 0;
        ConfirmChannel[] cs = channels;
        if (cs != null) {
            for (ConfirmChannel c : cs) {
                n += c.unconfirmed();
            }
        }
        return n;
    }

    /** @return the deliveries handed out and not yet acknowledged, by every subscription */
    private int unacknowledged() {
        int n = 0;
        for (RabbitMqSubscription s : subscriptions) {
            n += s.unacknowledged();
        }
        return n;
    }

    RabbitMqConfig config() {
        return config;
    }

    RabbitMqMeters meters() {
        return meters;
    }

    ConnectionWatch watch() {
        return watch;
    }

    ConfirmBatches confirmBatches() {
        return batches;
    }

    /** The sends of a publisher that are not confirmed yet, on every publishing channel. */
    List<CompletableFuture<Void>> pending(RabbitMqPublisher publisher) {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        ConfirmChannel[] cs = channels;
        if (cs != null) {
            for (ConfirmChannel c : cs) {
                c.pending(publisher, pending);
            }
        }
        return pending;
    }

    void closed(RabbitMqPublisher publisher) {
        publishers.remove(publisher);
    }

    void closed(RabbitMqSubscription subscription) {
        subscriptions.remove(subscription);
        cancelled.remove(subscription);
    }

    void cancelled(RabbitMqSubscription subscription) {
        cancelled.add(subscription);
    }

    private void checkOpen() {
        if (closed) {
            throw new TransportException("Transport 'rabbitmq' is closed; create a new transport");
        }
    }

    @Override
    public String toString() {
        return "RabbitMqTransport[" + config + "]";
    }
}
