package io.twelvefold.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.internal.Bootstrap;
import io.twelvefold.core.internal.Declaration;
import io.twelvefold.core.internal.Engine;
import io.twelvefold.core.internal.Launcher;
import io.twelvefold.core.internal.StartupTuning;
import io.twelvefold.core.internal.config.ConfigLoader;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.TransportProvider;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A twelve-factor event-processing process: processors and outputs declared in code, everything
 * else from the environment.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     App.builder()
 *        .processor("greetings", Greeting.class, (event, ctx) -> ctx.emit("shouts", shout(event.data())))
 *        .output("shouts")
 *        .run();
 * }
 * }</pre>
 *
 * <p>{@link Builder#build()} reads and validates the configuration (and fails with one
 * {@link ConfigurationException} listing every problem); {@link #start()} connects the transport
 * and subscribes; {@link #close()} stops gracefully. The app moves through
 * {@link State#STARTING}, {@link State#READY}, {@link State#DRAINING} and {@link State#STOPPED}.
 * Thread-safe.
 */
public final class App implements AutoCloseable {
    private final Engine runtime;

    /** The lifecycle of an app. */
    public enum State {
        /** Built or starting: connecting, subscribing, running start hooks. Not ready. */
        STARTING,
        /** Subscribed and processing; readiness reports UP (while the transport is connected). */
        READY,
        /** Stopping: fetching stopped, in-flight events finishing; readiness reports DOWN. */
        DRAINING,
        /** Stopped: groups left, publishers flushed, stop hooks run. */
        STOPPED
    }

    private App(Builder builder) {
        Declaration d = builder.declaration(this);
        StartupTuning.start(d); // before the runtime's classes bind SLF4J
        this.runtime = Bootstrap.create(d);
    }

    /** @return a new builder, never null */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects the transport and subscribes every processor. Idempotent.
     *
     * <p>While the broker cannot be reached, the start tries again until
     * {@code twelvefold.start-timeout} (readiness DOWN meanwhile); a {@link #close()} from another
     * thread ends the wait, and the app is then stopped.
     *
     * @return this app
     * @throws TransportException when the broker could not be reached in time
     * @throws ConfigurationException when the broker refused the configuration (credentials, say)
     */
    public App start() {
        runtime.start();
        return this;
    }

    /** @return the current lifecycle state, never null */
    public State state() {
        switch (runtime.phase()) {
            case READY:
                return State.READY;
            case DRAINING:
                return State.DRAINING;
            case STOPPED:
                return State.STOPPED;
            default:
                return State.STARTING;
        }
    }

    /**
     * The port of the HTTP endpoint ({@code /health/*}, {@code /metrics}), when {@code PORT} is set
     * and the app is started.
     *
     * @return the bound port, or -1 when the endpoint is off
     */
    public int port() {
        return runtime.port();
    }

    /**
     * The publisher for code outside processors (an HTTP handler). Usable after {@link #start()}.
     *
     * @return the publisher, never null
     */
    public EventPublisher publisher() {
        return runtime.publisher();
    }

    /**
     * The registry the app's meters go to: the one given to {@link Builder#meterRegistry}, else one
     * the app made (with {@code PORT} set, the one behind {@code /metrics}). The app builds its
     * registry and registers its meters in it a second after it is ready (so that Micrometer's
     * start-up cost does not fall on the first events), carrying over what they counted until then;
     * a call of this method once the app is ready does it at once if it was not done yet, and waits
     * for it (about 100 ms on a cold JVM). A call before the app is ready returns the registry
     * without the app's meters; a registry given to the builder and read directly shows them up to
     * a second after {@link #start()} returns.
     *
     * @return the registry, never null
     */
    public MeterRegistry meterRegistry() {
        return runtime.meterRegistry();
    }

    /**
     * Stops gracefully, in this order: readiness reports DOWN; every subscription stops fetching;
     * waits up to {@code twelvefold.shutdown-timeout} for the events in progress and acknowledges
     * those that completed; leaves the groups; flushes and closes the publishers and the transport;
     * runs the stop hooks in reverse order of registration. Events still running at the timeout are
     * not acknowledged (they will be delivered again). Idempotent; blocks until stopped.
     */
    @Override
    public void close() {
        runtime.close();
    }

    /**
     * Blocks the calling thread until the app is closed (by {@link #close()} or a signal).
     *
     * @throws InterruptedException when the thread is interrupted
     */
    public void awaitTermination() throws InterruptedException {
        runtime.awaitTermination();
    }

    /**
     * Builds an {@link App}. Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, Declaration.ProcessorBinding<?>> processors = new LinkedHashMap<>();
        private final Set<String> outputs = new LinkedHashSet<>();
        private final List<Class<? extends Throwable>> nonRetryable = new ArrayList<>();
        private final Map<String, String> config = new LinkedHashMap<>();
        private final List<Consumer<App>> startHooks = new ArrayList<>();
        private final List<Runnable> stopHooks = new ArrayList<>();
        private final List<ProcessorInterceptor> interceptors = new ArrayList<>();
        private final List<Extension> extensions = new ArrayList<>();
        private final Map<String, List<ProcessorInterceptor>> channelInterceptors = new LinkedHashMap<>();
        private Map<String, String> environment;
        private TransportProvider transportProvider;
        private MeterRegistry meterRegistry;
        private Codec codec; // null: Codec.json(), resolved at start so Jackson loads off the main thread
        private String name;

        private Builder() {
        }

        /**
         * Declares a channel this app consumes and its processor.
         *
         * @param channel the channel name: lowercase letters, digits and dashes, never null
         * @param type the payload class the codec decodes into ({@code byte[]} for raw bytes), never null
         * @param processor the processor, never null
         * @param <T> the payload type
         * @return this builder
         * @throws IllegalArgumentException for an invalid or duplicate channel name
         */
        public <T> Builder processor(String channel, Class<T> type, EventProcessor<T> processor) {
            checkChannel(channel);
            if (processors.containsKey(channel)) {
                throw new IllegalArgumentException("Channel '" + channel + "' already has a processor");
            }
            processors.put(channel, new Declaration.ProcessorBinding<>(channel, Objects.requireNonNull(type, "type"),
                    Objects.requireNonNull(processor, "processor")));
            return this;
        }

        /**
         * Names the app: the default of {@code twelvefold.name} ({@code TWELVEFOLD_NAME} and every other
         * source override it), which is the default consumer group of its channels and the CloudEvents
         * {@code source} ({@code /<name>}) of the events it emits. Without it the name is
         * {@code twelvefold}, which every unnamed app shares: name each app.
         *
         * @param name the name, not blank, never null
         * @return this builder
         * @throws IllegalArgumentException for a blank name
         */
        public Builder name(String name) {
            if (Objects.requireNonNull(name, "name").isBlank()) {
                throw new IllegalArgumentException("The app name must not be blank");
            }
            this.name = name.strip();
            return this;
        }

        /**
         * Declares a channel this app emits or publishes on.
         *
         * @param channel the channel name: lowercase letters, digits and dashes, never null
         * @return this builder
         */
        public Builder output(String channel) {
            checkChannel(channel);
            outputs.add(channel);
            return this;
        }

        /**
         * Sets the codec of every channel (default {@link Codec#json()}).
         *
         * @param codec the codec, never null
         * @return this builder
         */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * Adds an interceptor around every attempt of every channel's processor; interceptors run in
         * registration order, before the channel-wide ones.
         *
         * @param interceptor the interceptor, never null
         * @return this builder
         */
        public Builder intercept(ProcessorInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /**
         * Adds an interceptor around every attempt of one channel's processor, after the global ones.
         *
         * @param channel a channel declared with {@link #processor}, never null
         * @param interceptor the interceptor, never null
         * @return this builder
         * @throws IllegalArgumentException for an invalid channel name; {@link #build()} throws it too when
         *     the channel has no processor
         */
        public Builder intercept(String channel, ProcessorInterceptor interceptor) {
            checkChannel(channel);
            channelInterceptors.computeIfAbsent(channel, c -> new ArrayList<>())
                    .add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /**
         * Adds what a module brings besides processors, such as a database with its outbox relay: its
         * settings are validated with the app's, it starts once the app is connected and subscribed and
         * stops in the shutdown order, its health is part of readiness, and its admin commands are on
         * the command line of {@link #run}. Extensions start in registration order and stop in reverse.
         *
         * @param extension the extension, never null
         * @return this builder
         */
        public Builder extension(Extension extension) {
            extensions.add(Objects.requireNonNull(extension, "extension"));
            return this;
        }

        /**
         * Declares exception types (and their subtypes) that no retry can fix: an event whose
         * processor throws one is dead-lettered at once.
         *
         * @param types the exception types, never null
         * @return this builder
         */
        @SafeVarargs
        public final Builder nonRetryable(Class<? extends Throwable>... types) {
            for (Class<? extends Throwable> t : types) {
                nonRetryable.add(Objects.requireNonNull(t, "type"));
            }
            return this;
        }

        /**
         * Sets configuration properties ({@code twelvefold.*} keys) that take precedence over the
         * environment; for tests and embedding.
         *
         * @param properties the properties, never null
         * @return this builder
         */
        public Builder config(Map<String, String> properties) {
            config.putAll(properties);
            return this;
        }

        /**
         * Sets one configuration property, taking precedence over the environment.
         *
         * @param key a {@code twelvefold.*} key, never null
         * @param value the value, never null
         * @return this builder
         */
        public Builder config(String key, String value) {
            config.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Replaces the process environment as a configuration source (default {@link System#getenv()}),
         * so tests can check environment handling without changing the real one.
         *
         * @param environment the variables, never null
         * @return this builder
         */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /**
         * Uses this transport provider instead of looking one up by {@code twelvefold.transport}
         * with {@link java.util.ServiceLoader}; for the conformance kit and embedding.
         *
         * @param provider the provider, never null
         * @return this builder
         */
        public Builder transportProvider(TransportProvider provider) {
            this.transportProvider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Registers meters in this registry (default: a new simple registry); see
         * {@link App#meterRegistry()} for when they appear in it.
         *
         * @param registry the registry, never null
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Adds a hook that runs once the app is started and subscribed (for example to publish the
         * first events, or to log where it listens). Hooks run in registration order on the thread
         * that calls {@link App#start()}; an exception from a hook fails the start.
         *
         * @param hook the hook, never null
         * @return this builder
         */
        public Builder onStart(Consumer<App> hook) {
            startHooks.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        /**
         * Adds a hook that runs when the app stops, after the last event was processed and the
         * publishers were flushed: the place to close the resources processors use (a connection
         * pool, a client). Stop hooks run in reverse order of registration; an exception from one
         * is logged and the others still run.
         *
         * @param hook the hook, never null
         * @return this builder
         */
        public Builder onStop(Runnable hook) {
            stopHooks.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        /**
         * Reads and validates the configuration and builds the app, without connecting.
         *
         * @return a new app, never null
         * @throws ConfigurationException listing every configuration problem
         * @throws IllegalArgumentException when interceptors are registered for a channel without a processor
         */
        public App build() {
            return new App(this);
        }

        /** What was declared; the start hooks get {@code app} (null: the hooks are not run). */
        private Declaration declaration(App app) {
            List<Runnable> hooks = new ArrayList<>();
            for (Consumer<App> hook : startHooks) {
                hooks.add(() -> hook.accept(app));
            }
            return new Declaration(name, List.copyOf(processors.values()),
                    java.util.Collections.unmodifiableSet(new LinkedHashSet<>(outputs)),
                    List.copyOf(nonRetryable), Map.copyOf(config), environment != null ? environment : System.getenv(),
                    transportProvider, meterRegistry, codec, List.copyOf(hooks), List.copyOf(stopHooks),
                    List.copyOf(interceptors), copyOf(channelInterceptors), List.copyOf(extensions));
        }

        private static Map<String, List<ProcessorInterceptor>> copyOf(Map<String, List<ProcessorInterceptor>> byChannel) {
            Map<String, List<ProcessorInterceptor>> copy = new LinkedHashMap<>();
            byChannel.forEach((channel, list) -> copy.put(channel, List.copyOf(list)));
            return Map.copyOf(copy);
        }

        /**
         * For {@code main} methods: runs the process's command line, then exits the JVM. Pass
         * {@code main}'s arguments.
         *
         * <p>Without arguments it builds, starts and blocks until the process receives SIGTERM or
         * SIGINT, then stops gracefully and exits 0. {@code --print-config} prints every setting (key,
         * environment variable, type, default, the value the app would use and where it comes from;
         * secrets and the credentials of URIs redacted), checks them like a start would and exits,
         * connecting to nothing; {@code --help} prints the usage; {@code provision} declares the
         * broker objects the app needs and {@code dlq list|show|replay|purge} inspects, replays and
         * removes dead letters, each connecting once and exiting. Exit statuses: 0 stopped or done;
         * 1 an unexpected failure; 2 a configuration or command-line problem, printed to standard
         * error as one message listing everything to fix (nothing is started); 3 the broker could
         * not be reached within {@code twelvefold.start-timeout}.
         *
         * @param args the {@code main} arguments, never null
         */
        public void run(String... args) {
            Objects.requireNonNull(args, "args");
            Declaration d = declaration(null);
            if (args.length == 0) {
                StartupTuning.start(d); // before the runtime's classes bind SLF4J
            }
            Launcher.run(args, d, () -> new Service(build()));
        }

        /**
         * Runs one command of the command line, such as {@code dlq list} or {@code --print-config},
         * like {@link #run} does, without exiting the JVM: for tests and for tools that embed an
         * app. Blocks until the command is done.
         *
         * @param out where the command prints its results, never null
         * @param err where it prints problems, never null
         * @param args the command and its arguments, at least one
         * @return the exit status {@link #run} would exit with
         * @throws IllegalArgumentException when {@code args} is empty (that runs the app: use {@link #run})
         */
        public int command(PrintStream out, PrintStream err, String... args) {
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(err, "err");
            if (Objects.requireNonNull(args, "args").length == 0) {
                throw new IllegalArgumentException("command needs a command, such as 'dlq list'; run() runs the app");
            }
            return Launcher.execute(List.of(args), declaration(null), () -> new Service(build()), out, err);
        }

        /** The app as the launcher drives it. */
        private static final class Service implements Launcher.Service {
            private final App app;

            Service(App app) {
                this.app = app;
            }

            @Override
            public void start() {
                app.start();
            }

            @Override
            public void awaitTermination() throws InterruptedException {
                app.awaitTermination();
            }

            @Override
            public void close() {
                app.close();
            }
        }

        private static void checkChannel(String channel) {
            Objects.requireNonNull(channel, "channel");
            if (!ConfigLoader.isChannelName(channel)) {
                throw new IllegalArgumentException("Channel name '" + channel
                        + "' is invalid; use lowercase letters, digits and single dashes, like 'jedi-commands'");
            }
        }
    }
}
