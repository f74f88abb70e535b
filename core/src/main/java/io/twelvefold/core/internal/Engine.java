package io.twelvefold.core.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.TwelvefoldException;
import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.internal.config.ConfigLoader;
import io.twelvefold.core.internal.config.LoadedConfig;
import io.twelvefold.core.internal.dispatch.ChannelMetrics;
import io.twelvefold.core.internal.dispatch.Dispatcher;
import io.twelvefold.core.internal.dispatch.Outputs;
import io.twelvefold.core.internal.http.AdminServer;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running app behind {@code App}: connects the transport (trying again until
 * {@code twelvefold.start-timeout}), subscribes a dispatcher per processor, publishes, reports its
 * phase, and stops in the documented order. {@link Bootstrap} creates it from a valid configuration;
 * {@link Launcher} runs it as a process. Thread-safe.
 */
public final class Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final Declaration declaration;
    private final TwelvefoldConfig config;
    private final TransportProvider provider;
    private final Map<String, String> transportProperties;
    private final Map<String, Map<String, String>> channelOptions;
    private final Map<String, Map<String, String>> extensionProperties;
    private final StartedExtensions extensions = new StartedExtensions();
    private final Map<String, ChannelSettings> settings = new LinkedHashMap<>();
    private final int httpPort;
    private final AppMeters meters;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Object stateLock = new Object();
    private final List<Dispatcher<?>> dispatchers = new CopyOnWriteArrayList<>();
    private final List<ExecutorService> workerPools = new ArrayList<>();
    private final List<Publisher> deadLetterPublishers = new ArrayList<>();
    private final List<ChannelMetrics> channelMetrics = new CopyOnWriteArrayList<>();

    private volatile Phase phase = Phase.STARTING;
    private volatile boolean reachedReady;
    private volatile AdminServer admin;
    private volatile Transport transport;
    private volatile EventPublisher publisher;
    private boolean startCalled;
    private Outputs outputs;
    private ScheduledThreadPoolExecutor timer;

    Engine(Declaration d, LoadedConfig loaded, int httpPort) {
        this.declaration = d;
        this.config = loaded.config();
        this.provider = loaded.provider();
        this.transportProperties = loaded.transportProperties();
        this.channelOptions = loaded.channelOptions();
        this.extensionProperties = loaded.extensionProperties();
        this.httpPort = httpPort;
        this.meters = new AppMeters(httpPort, d.meterRegistry(), config.metrics().jvm());
        for (String channel : d.channels()) {
            settings.put(channel, ChannelSettings.of(channel, config.channels().get(channel), config.name(),
                    channelOptions.get(channel)));
        }
    }

    // ------------------------------------------------------------------ what the app shows

    /** @return the lifecycle phase, never null */
    public Phase phase() {
        return phase;
    }

    /** @return whether the app was READY at some point (stays true while draining and after) */
    boolean reachedReady() {
        return reachedReady;
    }

    Transport transport() {
        return transport;
    }

    String transportName() {
        return provider.name();
    }

    List<Dispatcher<?>> dispatchers() {
        return Collections.unmodifiableList(dispatchers);
    }

    /** @return the HTTP port, or -1 when the endpoint is off or not started */
    public int port() {
        AdminServer a = admin;
        return a == null ? -1 : a.port();
    }

    /**
     * The meter registry (the user's, or one the app made); once the app is READY, with the app's
     * meters registered in it, registering them now if that was not done yet.
     *
     * @return the registry, never null
     */
    public MeterRegistry meterRegistry() {
        return meters.registry();
    }

    /** @return the publisher; the app must be started */
    public EventPublisher publisher() {
        EventPublisher p = publisher;
        if (p == null) {
            throw new TwelvefoldException("The app is not started; call App.start() before publisher()");
        }
        return p;
    }

    // ------------------------------------------------------------------ start

    /**
     * Connects (trying again until {@code twelvefold.start-timeout} while the broker cannot be
     * reached, readiness DOWN meanwhile), subscribes, runs the start hooks and turns READY.
     * Idempotent. Returns without starting when a stop comes first.
     *
     * @throws TransportException when the broker could not be reached in time
     * @throws io.twelvefold.core.ConfigurationException when the broker refused the configuration
     */
    public void start() {
        long t0 = System.nanoTime();
        synchronized (stateLock) {
            if (startCalled || phase != Phase.STARTING) {
                return;
            }
            startCalled = true;
            if (httpPort >= 0) {
                admin = AdminServer.start(httpPort, new RuntimeHealth(this), meters.scraped());
                LOG.info("HTTP endpoint on port {}: /health/live, /health/ready, /health/started, /metrics",
                        admin.port());
            }
        }
        Transport connected;
        try {
            connected = new Connector(provider, new ConfigLoader.Settings(transportProperties, channelOptions),
                    config.startTimeout(), stopRequested).connect();
        } catch (RuntimeException e) {
            abandonStart();
            throw e;
        }
        synchronized (stateLock) {
            if (connected == null || phase != Phase.STARTING) {
                if (connected != null) {
                    connected.close(); // a stop came while connecting
                }
                return;
            }
            transport = connected;
            try {
                open();
            } catch (RuntimeException e) {
                abandonStart();
                throw e;
            }
            phase = Phase.READY;
            reachedReady = true;
            LOG.info("Twelvefold '{}' ready on transport '{}' in {} ms: processors {}, outputs {}", config.name(),
                    provider.name(), (System.nanoTime() - t0) / 1_000_000, subscribedChannels(), declaration.outputs());
            meters.ready(timer, this::registerMeters);
        }
    }

    /** Under the state lock, with the transport connected: outputs, publisher, subscriptions, start hooks. */
    private void open() {
        Codec codec = StartupTuning.codec(declaration);
        List<ChannelSettings> outputChannels = new ArrayList<>();
        for (String out : declaration.outputs()) {
            outputChannels.add(settings.get(out));
        }
        outputs = new Outputs(transport, outputChannels, codec, config.name());
        publisher = new DefaultPublisher(outputs);
        timer = new ScheduledThreadPoolExecutor(1, new DaemonThreads("twelvefold-retry"));
        timer.setRemoveOnCancelPolicy(true);
        for (Declaration.ProcessorBinding<?> binding : declaration.processors()) {
            subscribe(binding, codec);
        }
        extensions.start(declaration.extensions(), config.name(), extensionProperties, declaration.environment(),
                codec, this::publisher);
        for (Runnable hook : declaration.startHooks()) {
            hook.run();
        }
    }

    private List<String> subscribedChannels() {
        List<String> channels = new ArrayList<>();
        for (Declaration.ProcessorBinding<?> binding : declaration.processors()) {
            channels.add(binding.channel());
        }
        return channels;
    }

    /** A start that failed: release what it opened, quietly, and end as STOPPED (a later close does nothing). */
    private void abandonStart() {
        synchronized (stateLock) {
            for (Dispatcher<?> d : dispatchers) {
                d.stopFetching();
                d.closeSubscription();
            }
            extensions.stop();
            closeResources();
            phase = Phase.STOPPED;
            AdminServer a = admin;
            if (a != null) {
                a.close();
            }
            runStopHooks();
            terminated.countDown();
        }
    }

    private void registerMeters(MeterRegistry registry) {
        outputs.bind(registry, provider.name());
        for (ChannelMetrics m : channelMetrics) {
            m.bind(registry);
        }
        transport.onReady(registry);
        extensions.onReady(registry);
    }

    /** The extensions started so far, for their health. */
    List<Extension> extensions() {
        return extensions.list();
    }

    private <T> void subscribe(Declaration.ProcessorBinding<T> binding, Codec codec) {
        ChannelSettings s = settings.get(binding.channel());
        ExecutorService pool = new ThreadPoolExecutor(s.concurrency(), s.concurrency(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new DaemonThreads("twelvefold-" + s.channel()));
        workerPools.add(pool);
        // the broker's answers (confirmations, dead letters, hand-offs) are handled here, never on a client's I/O thread
        ExecutorService callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DaemonThreads("twelvefold-" + s.channel() + "-callbacks"));
        workerPools.add(callbacks);
        // a channel without a dead-letter destination (one that reads dead letters) opens nothing for them
        Publisher dlq = null;
        if (s.deadLetters()) {
            dlq = transport.publisher(new PublisherRequest(s.channel(), s.deadLetterDestination(), Map.of()));
            deadLetterPublishers.add(dlq);
        }
        Dispatcher<T> dispatcher = new Dispatcher<>(new Dispatcher.Setup<>(s, binding.type(), binding.processor(),
                declaration.interceptors(), declaration.channelInterceptors().getOrDefault(s.channel(), List.of()),
                codec, config.name(), outputs, dlq, declaration.nonRetryable(), pool, callbacks, timer, provider.name(),
                transport.capabilities().contains(Capability.INLINE_PROCESSING) ? s.inlineBelow().toNanos() : 0L));
        channelMetrics.add(dispatcher.metrics());
        dispatchers.add(dispatcher);
        dispatcher.bind(transport.subscribe(s.subscriptionRequest(), dispatcher));
        LOG.info("Channel '{}' subscribed to '{}' as group '{}' (concurrency {}, max-in-flight {}, max-attempts {}, "
                + "dead letters: {})", s.channel(), s.destination(), s.group(), s.concurrency(), s.maxInFlight(),
                s.maxAttempts(), s.deadLetterDescription());
    }

    // ------------------------------------------------------------------ stop

    /**
     * Graceful stop, in this order: readiness DOWN; fetching stops; in-flight events finish (up to
     * {@code twelvefold.shutdown-timeout}) and are acknowledged; the groups are left; publishers
     * flushed and closed; the transport closed; stop hooks run in reverse order. A stop during the
     * start's wait for the broker ends the wait. Idempotent; blocks until stopped.
     */
    public void close() {
        stopRequested.countDown();
        synchronized (stateLock) {
            if (phase == Phase.STOPPED) {
                return;
            }
            boolean running = transport != null;
            phase = Phase.DRAINING;
            try {
                if (running) {
                    LOG.info("Twelvefold '{}' stopping: readiness DOWN", config.name());
                    stopGracefully();
                }
            } finally {
                runStopHooks();
                phase = Phase.STOPPED;
                AdminServer a = admin;
                if (a != null) {
                    a.close();
                }
                terminated.countDown();
            }
        }
    }

    private void runStopHooks() {
        List<Runnable> hooks = new ArrayList<>(declaration.stopHooks());
        Collections.reverse(hooks);
        for (Runnable hook : hooks) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                LOG.error("A stop hook failed; running the others: {}", e.toString(), e);
            }
        }
    }

    private void stopGracefully() {
        long t0 = System.nanoTime();
        LOG.info("Twelvefold '{}' draining: fetching stopped, waiting up to {} for in-flight events", config.name(),
                text(config.shutdownTimeout()));
        long deadline = t0 + config.shutdownTimeout().toNanos();
        dispatchers.forEach(Dispatcher::stopFetching);
        int abandoned = 0;
        for (Dispatcher<?> d : dispatchers) {
            abandoned += d.awaitIdle(deadline);
        }
        if (abandoned > 0) {
            LOG.warn("{} event(s) still running after the shutdown timeout {}: not acknowledged, they will be delivered "
                    + "again", abandoned, text(config.shutdownTimeout()));
        }
        dispatchers.forEach(Dispatcher::closeSubscription);
        extensions.stop();
        closeResources();
        LOG.info("Twelvefold '{}' stopped in {} ms", config.name(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Publishers, the transport, the threads and the meters' resources. */
    private void closeResources() {
        if (outputs != null) {
            outputs.close();
        }
        deadLetterPublishers.forEach(Publisher::close);
        if (transport != null) {
            transport.close();
        }
        workerPools.forEach(ExecutorService::shutdownNow);
        if (timer != null) {
            timer.shutdownNow();
        }
        meters.close();
    }

    /**
     * Blocks until stopped.
     *
     * @throws InterruptedException when interrupted
     */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** A duration as users write it: {@code 30s}, {@code 1500ms}. */
    static String text(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
