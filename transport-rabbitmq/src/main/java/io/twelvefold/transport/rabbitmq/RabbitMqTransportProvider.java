package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code rabbitmq} transport: RabbitMQ over AMQP 0-9-1 with the RabbitMQ Java client.
 *
 * <ul>
 *   <li>A destination is a durable topic exchange; a consumer group is a durable queue
 *       {@code <destination>.<group>} bound to it with {@code #}: every group gets every message
 *       (fan-out), the members of a group compete for the messages of its queue, or take turns with
 *       {@code ordering=single-active-consumer}.</li>
 *   <li>Each group also gets the dead-letter exchange {@code <destination>.dlq} (the runtime's
 *       default dead-letter destination) and a queue {@code <destination>.dlq.<group>} that keeps
 *       the dead letters until a group of that name reads them.</li>
 *   <li>Messages are persistent; a send completes on the broker's publisher confirm and fails when
 *       the broker refuses it or returns it as unroutable (mandatory).</li>
 *   <li>Acknowledgements are manual; the broker pushes at most the prefetch of unacknowledged
 *       messages per subscription. Unacknowledged messages are redelivered when a subscription
 *       closes or the connection drops; a message delivered more than {@code max-deliveries} times is
 *       rejected to the dead-letter exchange.</li>
 *   <li>The client recovers connections, channels, consumers and topology; the transport is not
 *       {@linkplain Transport#connected() connected} meanwhile, nor after the broker cancelled a
 *       consumer (its queue was deleted). Sends not confirmed when the connection dropped are sent
 *       again after recovery. An outage is logged in one WARN and one INFO line.</li>
 *   <li>CloudEvents travel in the binary mode of the CloudEvents AMQP binding, plain messages as
 *       body, {@code content-type}, {@code message-id} and headers.</li>
 *   <li>A channel may consume an existing queue, publish to an existing exchange (or the default
 *       exchange) with a fixed routing key, and {@code declare=false} declares nothing: what is
 *       used is checked to exist.</li>
 * </ul>
 *
 * <p>Configuration, under {@code twelvefold.rabbitmq.} and
 * {@code twelvefold.channels.<channel>.rabbitmq.}: see {@link #configKeys()},
 * {@link #channelConfigKeys()} and {@code docs/transports/rabbitmq.md}. Instances are stateless and
 * thread-safe.
 *
 * <p>Start-up: when the environment variable {@code TWELVEFOLD_TRANSPORT} or the system property
 * {@code twelvefold.transport} is {@code rabbitmq}, the first instance in the JVM loads the RabbitMQ
 * client's classes on a daemon thread (no I/O), so that they are ready when
 * {@link #create(TransportContext)} runs after the configuration; {@code create} opens the two
 * connections at the same time.
 */
public final class RabbitMqTransportProvider implements TransportProvider {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final AtomicBoolean WARMED_UP = new AtomicBoolean();

    private final Declarations declarations;

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public RabbitMqTransportProvider() {
        this(Declarations.NONE);
        if (chosen(System.getenv("TWELVEFOLD_TRANSPORT"), System.getProperty("twelvefold.transport"))) {
            warmUp();
        }
    }

    /**
     * Whether the environment already names this transport. Only a hint for {@link #warmUp()}: the
     * runtime decides, from every configuration source.
     */
    static boolean chosen(String environment, String systemProperty) {
        String value = systemProperty != null ? systemProperty : environment;
        return value != null && value.strip().toLowerCase(Locale.ROOT).equals(RabbitMqConfig.NAME);
    }

    /**
     * Once per JVM, loads and initialises on a daemon thread the classes that {@link #create} and the
     * first subscription need, while the runtime reads its configuration on the main thread: a first
     * connection costs over 100 ms of class loading, where the network handshake with a local broker
     * costs a few ms. No I/O; a class that cannot be loaded is left to the moment it is needed.
     *
     * @return whether this call started the warm-up
     */
    static boolean warmUp() {
        if (!WARMED_UP.compareAndSet(false, true)) {
            return false;
        }
        Thread t = new Thread(new WarmUp(), "twelvefold-rabbitmq-warm-up");
        t.setDaemon(true);
        t.start();
        return true;
    }

    /**
     * The classes of a connection, its channels and a consumer, then the transport's own, by name: a
     * list of class literals would load them all on the thread that initialises this class (the main
     * thread, while it discovers the providers), which is what the warm-up thread is for.
     */
    static final List<String> WARM_UP_CLASSES = List.of(
            "com.rabbitmq.client.impl.recovery.AutorecoveringConnection",
            "com.rabbitmq.client.impl.recovery.AutorecoveringChannel",
            "com.rabbitmq.client.impl.recovery.RecoveryAwareAMQConnectionFactory",
            "com.rabbitmq.client.impl.recovery.RecoveryAwareAMQConnection",
            "com.rabbitmq.client.impl.recovery.RecoveryAwareChannelN",
            "com.rabbitmq.client.impl.recovery.RecoveryAwareChannelManager",
            "com.rabbitmq.client.impl.recovery.RecordedExchange",
            "com.rabbitmq.client.impl.recovery.RecordedQueue",
            "com.rabbitmq.client.impl.recovery.RecordedQueueBinding",
            "com.rabbitmq.client.impl.recovery.RecordedConsumer",
            "com.rabbitmq.client.impl.AMQConnection",
            "com.rabbitmq.client.impl.ChannelN",
            "com.rabbitmq.client.impl.ChannelManager",
            "com.rabbitmq.client.impl.AMQImpl",
            "com.rabbitmq.client.impl.AMQCommand",
            "com.rabbitmq.client.impl.Frame",
            "com.rabbitmq.client.impl.SocketFrameHandlerFactory",
            "com.rabbitmq.client.impl.SocketFrameHandler",
            "com.rabbitmq.client.impl.ConsumerWorkService",
            "com.rabbitmq.client.impl.ValueReader",
            "com.rabbitmq.client.impl.ValueWriter",
            "com.rabbitmq.client.impl.MethodArgumentReader",
            "com.rabbitmq.client.impl.MethodArgumentWriter",
            "com.rabbitmq.client.impl.ClientVersion",
            "com.rabbitmq.client.impl.Environment",
            "com.rabbitmq.client.AMQP$BasicProperties",
            "io.twelvefold.transport.rabbitmq.RabbitMqTransport",
            "io.twelvefold.transport.rabbitmq.RabbitMqTopology",
            "io.twelvefold.transport.rabbitmq.ConfirmChannel",
            "io.twelvefold.transport.rabbitmq.RabbitMqPublisher",
            "io.twelvefold.transport.rabbitmq.RabbitMqSubscription",
            "io.twelvefold.transport.rabbitmq.RabbitMqMessage",
            "io.twelvefold.transport.rabbitmq.RabbitMqMeters",
            "io.twelvefold.transport.rabbitmq.MessageMapping",
            "io.twelvefold.transport.rabbitmq.Acknowledgements",
            "io.twelvefold.transport.rabbitmq.ConfirmBatches",
            "io.twelvefold.transport.rabbitmq.ConnectionWatch",
            "io.twelvefold.transport.rabbitmq.Connector");

    /** A class, not a lambda: this runs on the main thread's start path. */
    private static final class WarmUp implements Runnable {
        @Override
        public void run() {
            loadClasses();
        }
    }

    private static void loadClasses() {
        try {
            new ConnectionFactory();
            ClassLoader loader = RabbitMqTransportProvider.class.getClassLoader();
            for (String name : WARM_UP_CLASSES) {
                Class.forName(name, true, loader);
            }
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            // create() loads what it needs itself
        }
    }

    /** Creates a provider that reports every exchange and queue it declares (tests delete them). */
    RabbitMqTransportProvider(Declarations declarations) {
        this.declarations = Objects.requireNonNull(declarations, "declarations");
    }

    /** Hears of every exchange and queue a transport declares. */
    interface Declarations {
        Declarations NONE = new Declarations() {
            @Override
            public void exchange(String name) {
            }

            @Override
            public void queue(String name) {
            }
        };

        void exchange(String name);

        void queue(String name);
    }

    /** @return {@code rabbitmq} */
    @Override
    public String name() {
        return RabbitMqConfig.NAME;
    }

    /** @return the keys documented in {@code docs/transports/rabbitmq.md}; {@code uri} and the passwords are secret */
    @Override
    public List<ConfigKey> configKeys() {
        return RabbitMqConfig.KEYS;
    }

    /**
     * @return the per-channel keys documented in {@code docs/transports/rabbitmq.md}: {@code queue},
     *     {@code exchange}, {@code routing-key} and {@code key}
     */
    @Override
    public List<ConfigKey> channelConfigKeys() {
        return ChannelOptions.KEYS;
    }

    /**
     * Checks the transport's settings, every channel's options and the TLS stores, without
     * connecting.
     *
     * @param context the settings, never null
     * @throws ConfigurationException listing every problem, secrets redacted
     */
    @Override
    public void validate(TransportContext context) {
        List<String> problems = new ArrayList<>();
        RabbitMqConfig config = RabbitMqConfig.read(context.properties(), problems);
        for (Map.Entry<String, Map<String, String>> channel : context.channelOptions().entrySet()) {
            ChannelOptions.read(channel.getKey(), channel.getValue(), problems);
        }
        if (config != null && config.tls().enabled()) {
            try {
                Connector.sslContext(config.tls());
            } catch (ConfigurationException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /**
     * Validates the configuration and opens the two connections, at the same time. Fails within
     * {@code connection-timeout} or so, quietly: no log line, no connection or thread left.
     *
     * @param context the configuration, never null
     * @return a connected transport, never null
     * @throws ConfigurationException listing every invalid value, secrets redacted; or when the broker
     *     refused the credentials or the virtual host
     * @throws TransportException when the broker cannot be reached: refused, timed out, unknown host
     */
    @Override
    public Transport create(TransportContext context) {
        RabbitMqConfig config = RabbitMqConfig.from(context.properties());
        RabbitMqMeters meters = new RabbitMqMeters();
        ConnectionWatch watch = new ConnectionWatch(config, meters);
        ConnectionFactory factory = Connector.factory(config, watch.exceptionHandler());
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "twelvefold-rabbitmq-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Connection[] connections;
        try {
            connections = Connector.open(config, factory, executor);
        } catch (RuntimeException e) {
            executor.shutdown();
            throw e;
        }
        return new RabbitMqTransport(config, connections[0], connections[1], executor, meters, watch, declarations);
    }
}
