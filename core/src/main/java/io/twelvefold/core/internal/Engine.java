package io.twelvefold.core.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.Codec;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.Event;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.ProcessorInterceptor;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.TwelvefoldException;
import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.internal.config.ConfigLoader;
import io.twelvefold.core.internal.config.LoadedConfig;
import io.twelvefold.core.internal.config.Manifest;
import io.twelvefold.core.internal.dispatch.ChannelMetrics;
import io.twelvefold.core.internal.dispatch.Dispatcher;
import io.twelvefold.core.internal.dispatch.Outputs;
import io.twelvefold.core.internal.http.AdminServer;
import io.twelvefold.core.internal.http.HealthModel;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine behind {@link App}: wires configuration, transport, dispatchers and publishers. */
public final class Engine {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    /**
     * A processor declared for a channel.
     *
     * @param channel the channel
     * @param type the payload class
     * @param processor the processor
     * @param <T> the payload type
     */
    public record ProcessorBinding<T>(String channel, Class<T> type, EventProcessor<T> processor) {
    }

    /**
     * Everything declared in code on the builder.
     *
     * @param processors the processors
     * @param outputs the output channels
     * @param nonRetryable exception types never retried
     * @param config configuration overrides
     * @param environment the environment variables to read
     * @param transportProvider an explicit provider, or null to use the ServiceLoader
     * @param meterRegistry the registry, or null for a new simple one
     * @param codec the codec, or null for {@link Codec#json()}
     * @param startHooks run after start, in order
     * @param stopHooks run at the end of a stop, in reverse order
     * @param interceptors around every channel's attempts, in order
     * @param channelInterceptors by channel, around its attempts after the global ones, in order
     */
    public record Declaration(List<ProcessorBinding<?>> processors, Set<String> outputs,
            List<Class<? extends Throwable>> nonRetryable, Map<String, String> config,
            Map<String, String> environment, TransportProvider transportProvider,
            MeterRegistry meterRegistry, Codec codec, List<Consumer<App>> startHooks, List<Runnable> stopHooks,
            List<ProcessorInterceptor> interceptors, Map<String, List<ProcessorInterceptor>> channelInterceptors) {
    }

    private final Declaration declaration;
    private final TwelvefoldConfig config;
    private final TransportProvider provider;
    private final Map<String, String> transportProperties;
    private final Map<String, Map<String, String>> channelOptions;
    /** Built on another thread a second after READY, or when first asked for: nothing on the way to READY or the first events waits for Micrometer. */
    private final LazyMeters meters;
    private final int httpPort;
    private volatile AdminServer admin;
    private final Map<String, ChannelSettings> settings = new LinkedHashMap<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Object stateLock = new Object();
    /** Guards the meters' registration: once, after READY (every channel's meters exist by then). */
    private final Object metersLock = new Object();
    private boolean metersArmed;
    private boolean metersRegistered;

    private volatile App.State state = App.State.STARTING;
    private boolean started;
    private volatile Transport transport;
    private Outputs outputs;
    private ScheduledThreadPoolExecutor timer;
    private final List<Dispatcher<?>> dispatchers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<ExecutorService> workerPools = new ArrayList<>();
    private final List<Publisher> deadLetterPublishers = new ArrayList<>();
    private final List<ChannelMetrics> channelMetrics = new ArrayList<>();
    private volatile EventPublisher publisher;
    private Codec codec;

    private Engine(Declaration d, LoadedConfig loaded, int httpPort, LazyMeters meters) {
        this.declaration = d;
        this.config = loaded.config();
        this.provider = loaded.provider();
        this.transportProperties = loaded.transportProperties();
        this.channelOptions = loaded.channelOptions();
        this.httpPort = httpPort;
        this.meters = meters;
        for (String channel : channels(d)) {
            settings.put(channel, ChannelSettings.of(channel, config.channels().get(channel), config.name(),
                    loaded.channelOptions().get(channel)));
        }
    }

    /** The registry meters go to, and the Prometheus registry /metrics scrapes (null without PORT). */
    private record Meters(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
        static Meters create(int httpPort, MeterRegistry user) {
            if (httpPort < 0) {
                return new Meters(user != null ? user : new SimpleMeterRegistry(), null);
            }
            // /metrics scrapes a Prometheus registry; the user's registry (if any) gets every meter too.
            PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            CompositeMeterRegistry composite = new CompositeMeterRegistry();
            composite.add(prometheus);
            if (user != null) {
                composite.add(user);
            }
            return new Meters(composite, prometheus);
        }
    }

    /**
     * Reads and validates the configuration.
     *
     * @param d the declaration
     * @return a new engine, not started
     * @throws ConfigurationException listing every problem
     * @throws IllegalArgumentException when interceptors are registered for a channel without a processor
     */
    public static Engine create(Declaration d) {
        Dispatcher.checkInterceptedChannels(d.channelInterceptors(), processorChannels(d));
        // The JSON warm-up (WarmUp.start) is already running: App.Builder starts it before this
        // class binds SLF4J, and it goes on while the providers are found, the configuration loads
        // and the transport connects; the first event, not READY, needs it.
        List<TransportProvider> providers = d.transportProvider() != null ? List.of(d.transportProvider())
                : discoverProviders();
        String portValue = d.environment().get("PORT");
        int port = -1;
        String portProblem = null;
        if (portValue != null && !portValue.isBlank()) {
            try {
                port = Integer.parseInt(portValue.trim());
            } catch (NumberFormatException e) {
                port = -2;
            }
            if (port < 0 || port > 65535) {
                portProblem = "PORT must be an integer from 0 to 65535 (0 picks a free port), was '" + portValue
                        + "'; unset it to turn the HTTP endpoint off";
            }
        }
        // Start-up: the meter registry is built on another thread a second after READY (or sooner,
        // when something asks for it), and the meters count from creation: Micrometer's first
        // registry costs about 100 ms of CPU that the first events need more on a small machine.
        LazyMeters meters = new LazyMeters(portProblem == null ? port : -1, d.meterRegistry());
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.load(d.environment(), d.config(), channels(d), providers);
        } catch (ConfigurationException e) {
            if (portProblem == null) {
                throw e;
            }
            List<String> all = new ArrayList<>(e.problems());
            all.add(portProblem);
            throw new ConfigurationException(all);
        }
        if (portProblem != null) {
            throw new ConfigurationException(portProblem);
        }
        return new Engine(d, loaded, port, meters);
    }

    /**
     * The registries for {@link #meters}, built on a daemon thread the first time they are needed:
     * a second after READY ({@link #METERS_AFTER_READY_MILLIS}), or sooner when a transport,
     * {@code /metrics} or the app asks for them.
     */
    private static final class LazyMeters implements Runnable {
        private final CompletableFuture<Meters> result = new CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicBoolean building = new java.util.concurrent.atomic.AtomicBoolean();
        private final int httpPort;
        private final MeterRegistry user;

        LazyMeters(int httpPort, MeterRegistry user) {
            this.httpPort = httpPort;
            this.user = user;
        }

        /** Starts building the registries, once. */
        void build() {
            if (building.compareAndSet(false, true)) {
                DaemonThreads.start("twelvefold-meters", this);
            }
        }

        /** @return the registries, building them first if nobody asked yet, and waiting for them */
        Meters join() {
            build();
            return result.join();
        }

        @Override
        public void run() {
            try {
                result.complete(Meters.create(httpPort, user));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }
    }

    private static Set<String> processorChannels(Declaration d) {
        Set<String> channels = new LinkedHashSet<>();
        for (ProcessorBinding<?> p : d.processors()) {
            channels.add(p.channel());
        }
        return channels;
    }

    private static Set<String> channels(Declaration d) {
        Set<String> channels = new LinkedHashSet<>();
        for (ProcessorBinding<?> p : d.processors()) {
            channels.add(p.channel());
        }
        channels.addAll(d.outputs());
        return channels;
    }

    private static List<TransportProvider> discoverProviders() {
        List<TransportProvider> found = new ArrayList<>();
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
            found.add(p);
        }
        return found;
    }

    /**
     * For {@code main} methods: see {@link App.Builder#run(String...)}.
     *
     * @param build builds the app
     * @param declaration what the builder declared, for the manifest
     * @param args the main arguments
     */
    public static void runMain(Supplier<App> build, Supplier<Declaration> declaration, String... args) {
        if (List.of(args).contains("--print-config")) {
            Declaration d = declaration.get();
            List<TransportProvider> providers = d.transportProvider() != null ? List.of(d.transportProvider())
                    : discoverProviders();
            System.out.print(Manifest.render(d.environment(), d.config(), channels(d), providers));
            System.out.flush();
            System.exit(0);
            return;
        }
        App app;
        try {
            app = build.get();
        } catch (ConfigurationException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // SIGTERM and SIGINT start a graceful stop and the process then exits 0 (design.md section 4);
        // the shutdown hook covers every other way the JVM can go down.
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(new Stop(app, false), "twelvefold-shutdown-hook"));
        Signals.onTermination(new Stop(app, true));
        try {
            app.start();
        } catch (TransportException e) {
            LOG.error("Cannot start: {}", e.getMessage(), e);
            System.exit(3);
            return;
        }
        try {
            app.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(0);
    }

    /** Closes the app, here or on a new thread (a signal handler must return at once). */
    private static final class Stop implements Runnable {
        private final App app;
        private final boolean onNewThread;

        Stop(App app, boolean onNewThread) {
            this.app = app;
            this.onNewThread = onNewThread;
        }

        @Override
        public void run() {
            if (onNewThread) {
                new Thread(new Stop(app, false), "twelvefold-shutdown").start();
            } else {
                app.close();
            }
        }
    }

    /**
     * Connects, subscribes, runs the start hooks and turns ready. Idempotent.
     *
     * @param app the app, for the start hooks
     */
    public void start(App app) {
        synchronized (stateLock) {
            if (started || state != App.State.STARTING) {
                return;
            }
            started = true;
            long t0 = System.nanoTime();
            if (httpPort >= 0) {
                admin = AdminServer.start(httpPort, new Health(), new Scraped());
                LOG.info("HTTP endpoint on port {}: /health/live, /health/ready, /health/started, /metrics", admin.port());
            }
            codec = WarmUp.codecOf(declaration);
            transport = provider.create(new ConfigLoader.Settings(transportProperties, channelOptions));
            List<ChannelSettings> outputChannels = new ArrayList<>();
            for (String out : declaration.outputs()) {
                outputChannels.add(settings.get(out));
            }
            outputs = new Outputs(transport, outputChannels, codec, config.name());
            publisher = new DefaultPublisher(outputs);
            timer = new ScheduledThreadPoolExecutor(1, new DaemonThreads("twelvefold-retry"));
            timer.setRemoveOnCancelPolicy(true);
            List<String> subscribed = new ArrayList<>();
            for (ProcessorBinding<?> binding : declaration.processors()) {
                subscribe(binding);
                subscribed.add(binding.channel());
            }
            for (Consumer<App> hook : declaration.startHooks()) {
                hook.accept(app);
            }
            state = App.State.READY;
            LOG.info("Twelvefold '{}' ready on transport '{}' in {} ms: processors {}, outputs {}", config.name(),
                    provider.name(), (System.nanoTime() - t0) / 1_000_000, subscribed, declaration.outputs());
            synchronized (metersLock) {
                metersArmed = true;
            }
            timer.schedule(new AfterReady(), METERS_AFTER_READY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * How long after READY the meters are registered when nothing asked for them sooner. Building
     * the registry and registering the meters costs a cold JVM some 100 classes and tens of ms of
     * CPU, which on a small machine the first events need more; the meters count from the first
     * event all the same ({@code LateCounter}, {@code LateTimer}).
     */
    static final long METERS_AFTER_READY_MILLIS = 1_000;

    /**
     * Registers the meters, once, if the app is READY (or was): the scheduled task a second after
     * READY, {@code /metrics} and {@link #meterRegistry()} call it, whichever comes first; the others
     * find it done (or wait for it).
     */
    private void registerMeters() {
        synchronized (metersLock) {
            if (!metersArmed || metersRegistered) {
                return;
            }
            metersRegistered = true;
            try {
                MeterRegistry registry = meters.join().registry();
                outputs.bind(registry, provider.name());
                for (ChannelMetrics m : channelMetrics) {
                    m.bind(registry);
                }
                transport.onReady(registry);
            } catch (RuntimeException e) {
                LOG.error("Meters cannot be registered: {}", e.toString(), e);
            }
        }
    }

    /** On the retry timer, {@link #METERS_AFTER_READY_MILLIS} after READY: registers on a thread of its own. */
    private final class AfterReady implements Runnable {
        private final boolean onOwnThread;

        AfterReady() {
            this(false);
        }

        private AfterReady(boolean onOwnThread) {
            this.onOwnThread = onOwnThread;
        }

        @Override
        public void run() {
            if (onOwnThread) {
                registerMeters();
            } else {
                DaemonThreads.start("twelvefold-after-ready", new AfterReady(true));
            }
        }
    }

    /** The Prometheus registry {@code /metrics} scrapes, with the meters registered, waiting if need be. */
    private final class Scraped implements Supplier<PrometheusMeterRegistry> {
        @Override
        public PrometheusMeterRegistry get() {
            registerMeters();
            return meters.join().prometheus();
        }
    }

    /**
     * The meter registry (the user's, or one the engine made), waiting for it if it is still being
     * built; once the app is READY, with the app's meters registered in it.
     *
     * @return the registry, never null
     */
    public MeterRegistry meterRegistry() {
        registerMeters();
        return meters.join().registry();
    }

    /** @return the lifecycle state */
    public App.State state() {
        return state;
    }

    /** @return the HTTP port, or -1 */
    public int port() {
        AdminServer a = admin;
        return a == null ? -1 : a.port();
    }

    /** Health as the HTTP endpoint reports it; reads volatile state only. */
    private final class Health implements HealthModel {
        @Override
        public boolean live() {
            return true;
        }

        @Override
        public boolean ready() {
            if (state != App.State.READY) {
                return false;
            }
            for (SubscriptionHealth s : subscriptions()) {
                if (!s.up()) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean started() {
            return state != App.State.STARTING;
        }

        @Override
        public String state() {
            return state.name().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public List<SubscriptionHealth> subscriptions() {
            Transport t = transport;
            boolean connected = t != null && t.connected();
            List<SubscriptionHealth> result = new ArrayList<>();
            for (Dispatcher<?> d : List.copyOf(dispatchers)) {
                ChannelSettings s = d.settings();
                String cancelled = d.cancelled();
                boolean up = connected && cancelled == null;
                String detail = cancelled != null ? "cancelled by the broker: " + cancelled
                        : !connected ? "transport disconnected" : d.paused() ? "paused" : null;
                result.add(new SubscriptionHealth(s.channel(), s.destination(), s.group(), provider.name(), up,
                        d.inFlight(), d.paused(), detail));
            }
            return result;
        }
    }

    private <T> void subscribe(ProcessorBinding<T> binding) {
        ChannelSettings s = settings.get(binding.channel());
        ExecutorService pool = new ThreadPoolExecutor(s.concurrency(), s.concurrency(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), new DaemonThreads("twelvefold-" + s.channel()));
        workerPools.add(pool);
        // the broker's answers (confirmations, dead letters, hand-offs) are handled here, never on a client's I/O thread
        ExecutorService callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DaemonThreads("twelvefold-" + s.channel() + "-callbacks"));
        workerPools.add(callbacks);
        Publisher dlq = transport.publisher(new PublisherRequest(s.channel(), s.deadLetterDestination(), Map.of()));
        deadLetterPublishers.add(dlq);
        Dispatcher<T> dispatcher = new Dispatcher<>(new Dispatcher.Setup<>(s, binding.type(), binding.processor(),
                declaration.interceptors(), declaration.channelInterceptors().getOrDefault(s.channel(), List.of()),
                codec, config.name(), outputs, dlq, declaration.nonRetryable(), pool, callbacks, timer, provider.name(),
                transport.capabilities().contains(Capability.INLINE_PROCESSING) ? s.inlineBelow().toNanos() : 0L));
        channelMetrics.add(dispatcher.metrics());
        dispatchers.add(dispatcher);
        dispatcher.bind(transport.subscribe(new SubscriptionRequest(s.channel(), s.destination(), s.group(),
                s.maxInFlight(), s.options()), dispatcher));
        LOG.info("Channel '{}' subscribed to '{}' as group '{}' (concurrency {}, max-in-flight {}, max-attempts {}, "
                + "dead letters to '{}')", s.channel(), s.destination(), s.group(), s.concurrency(), s.maxInFlight(),
                s.maxAttempts(), s.deadLetterDestination());
    }

    /** @return the publisher; the app must be started */
    public EventPublisher publisher() {
        EventPublisher p = publisher;
        if (p == null) {
            throw new TwelvefoldException("The app is not started; call App.start() before publisher()");
        }
        return p;
    }

    /** Graceful stop, in the order of design.md section 4. Idempotent. */
    public void close() {
        synchronized (stateLock) {
            if (state == App.State.STOPPED) {
                return;
            }
            // Step 1: readiness reports DOWN before anything else changes.
            state = App.State.DRAINING;
            if (started) {
                LOG.info("Twelvefold '{}' stopping: readiness DOWN", config.name());
            }
            try {
                if (started) {
                    stopGracefully();
                }
            } finally {
                runStopHooks();
                state = App.State.STOPPED;
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
        java.util.Collections.reverse(hooks);
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
                config.shutdownTimeout());
        long deadline = t0 + config.shutdownTimeout().toNanos();
        dispatchers.forEach(Dispatcher::stopFetching);
        int abandoned = 0;
        for (Dispatcher<?> d : dispatchers) {
            abandoned += d.awaitIdle(deadline);
        }
        if (abandoned > 0) {
            LOG.warn("{} event(s) still running after the shutdown timeout {}: not acknowledged, they will be delivered "
                    + "again", abandoned, config.shutdownTimeout());
        }
        dispatchers.forEach(Dispatcher::closeSubscription);
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
        LOG.info("Twelvefold '{}' stopped in {} ms", config.name(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Blocks until closed.
     *
     * @throws InterruptedException when interrupted
     */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Daemon threads named {@code <prefix>-<n>}. */
    private static final class DaemonThreads implements ThreadFactory {
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        DaemonThreads(String prefix) {
            this.prefix = prefix;
        }

        static void start(String prefix, Runnable task) {
            new DaemonThreads(prefix).newThread(task).start();
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    private static final class DefaultPublisher implements EventPublisher {
        private final Outputs outputs;

        DefaultPublisher(Outputs outputs) {
            this.outputs = outputs;
        }

        @Override
        public CompletionStage<Void> publish(String channel, Object payload) {
            return publish(channel, (String) null, payload);
        }

        @Override
        public CompletionStage<Void> publish(String channel, String key, Object payload) {
            try {
                return publish(channel, outputs.newEvent(channel, payload, key));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletionStage<Void> publish(String channel, Event<?> event) {
            try {
                return outputs.send(channel, event, null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }
}
