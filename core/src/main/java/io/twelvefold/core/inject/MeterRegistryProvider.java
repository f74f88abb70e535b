package io.twelvefold.core.inject;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.App;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.util.Objects;

/**
 * Gives a dependency-injection container the {@link MeterRegistry} of the {@link App} it holds
 * ({@link App#meterRegistry()}), so that your own components register their meters beside the
 * app's and {@code /metrics} shows them too. With Guice:
 *
 * <pre>{@code
 * bind(App.class).toInstance(app);
 * bind(MeterRegistry.class).toProvider(MeterRegistryProvider.class);
 * }</pre>
 *
 * <p>{@link #get()} may wait briefly while the app builds its registry right after
 * {@link App.Builder#build()}. Thread-safe.
 */
@Singleton
public final class MeterRegistryProvider implements Provider<MeterRegistry> {
    private final App app;

    /**
     * Called by the container.
     *
     * @param app the application whose registry to provide, never null
     */
    @Inject
    public MeterRegistryProvider(App app) {
        this.app = Objects.requireNonNull(app, "app");
    }

    /** @return the app's meter registry, the same instance on every call, never null */
    @Override
    public MeterRegistry get() {
        return app.meterRegistry();
    }
}
