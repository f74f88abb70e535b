package io.twelvefold.core.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of an app's meters: the registry (the user's, a simple one, or a Prometheus one
 * behind {@code /metrics} when {@code PORT} is set, composed with the user's), and the one moment
 * the app's meters are registered in it.
 *
 * <p>The app's meters count from the first event ({@link LateCounter}, {@link LateTimer}); they are
 * registered once the app is READY: a second after it ({@link #REGISTER_AFTER_READY_MILLIS}), or at
 * once when {@code /metrics} or {@code App.meterRegistry()} asks first. Building a registry costs a
 * cold JVM some 100 classes and tens of ms of CPU that the first events need more on a small machine;
 * this is the start-up measure of the meters, and the only one ({@link StartupTuning} has the others).
 *
 * <p>Thread-safe.
 */
final class AppMeters {
    private static final Logger LOG = LoggerFactory.getLogger(AppMeters.class);

    /** How long after READY the meters are registered when nothing asked for them sooner. */
    static final long REGISTER_AFTER_READY_MILLIS = 1_000;

    private final int httpPort;
    private final MeterRegistry user;
    private final boolean jvm;
    private final CompletableFuture<Registries> registries = new CompletableFuture<>();
    private final AtomicBoolean building = new AtomicBoolean();
    private final Object lock = new Object();
    /** What registers the app's meters, once READY; null before. */
    private Consumer<MeterRegistry> registration;
    private boolean registered;
    private JvmGcMetrics gc;

    /** The registry meters go to, and the Prometheus registry {@code /metrics} scrapes (null without PORT). */
    private record Registries(MeterRegistry registry, PrometheusMeterRegistry prometheus) {
    }

    /**
     * @param httpPort the HTTP port, or a negative number when {@code /metrics} is off
     * @param user the user's registry, or null
     * @param jvm whether to register the JVM and process meters
     */
    AppMeters(int httpPort, MeterRegistry user, boolean jvm) {
        this.httpPort = httpPort;
        this.user = user;
        this.jvm = jvm;
    }

    /**
     * The app is READY: its meters are registered by {@code registration} a second later on a thread
     * of their own, or sooner when asked.
     *
     * @param timer schedules the registration
     * @param registration registers the app's meters in the registry it is given; called once
     */
    void ready(ScheduledExecutorService timer, Consumer<MeterRegistry> registration) {
        synchronized (lock) {
            this.registration = registration;
        }
        timer.schedule(() -> DaemonThreads.start("twelvefold-meters", this::register), REGISTER_AFTER_READY_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    /**
     * The registry, with the app's meters registered in it once the app is READY (registering them
     * now if that was not done yet), waiting for it to be built.
     *
     * @return the registry, never null
     */
    MeterRegistry registry() {
        register();
        return build().registry();
    }

    /** @return what {@code /metrics} scrapes: the Prometheus registry with the app's meters registered */
    Supplier<PrometheusMeterRegistry> scraped() {
        return () -> {
            register();
            return build().prometheus();
        };
    }

    /** Stops the JVM meters that hold resources (the GC listener). Idempotent. */
    void close() {
        synchronized (lock) {
            if (gc != null) {
                gc.close();
                gc = null;
            }
        }
    }

    private void register() {
        synchronized (lock) {
            if (registration == null || registered) {
                return;
            }
            registered = true;
            try {
                MeterRegistry registry = build().registry();
                if (jvm) {
                    bindJvm(registry);
                }
                registration.accept(registry);
            } catch (RuntimeException e) {
                LOG.error("Meters cannot be registered: {}", e.toString(), e);
            }
        }
    }

    private void bindJvm(MeterRegistry registry) {
        gc = new JvmGcMetrics();
        for (MeterBinder binder : new MeterBinder[] {new JvmMemoryMetrics(), gc, new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics()}) {
            binder.bindTo(registry);
        }
    }

    /** Builds the registries once, on the calling thread, and waits for them. */
    private Registries build() {
        if (building.compareAndSet(false, true)) {
            try {
                registries.complete(create());
            } catch (RuntimeException | Error e) {
                registries.completeExceptionally(e);
            }
        }
        return registries.join();
    }

    private Registries create() {
        if (httpPort < 0) {
            return new Registries(user != null ? user : new SimpleMeterRegistry(), null);
        }
        // /metrics scrapes a Prometheus registry; the user's registry (if any) gets every meter too
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(prometheus);
        if (user != null) {
            composite.add(user);
        }
        return new Registries(composite, prometheus);
    }
}
