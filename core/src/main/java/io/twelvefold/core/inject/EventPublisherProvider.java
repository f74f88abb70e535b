package io.twelvefold.core.inject;

import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.TwelvefoldException;
import jakarta.inject.Inject;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Gives a dependency-injection container (Guice, CDI, Dagger, anything that reads
 * {@code jakarta.inject}) the {@link EventPublisher} of the {@link App} it holds, so that an HTTP
 * handler or a service can declare an {@code EventPublisher} parameter on its {@code @Inject}
 * constructor. With Guice:
 *
 * <pre>{@code
 * bind(App.class).toInstance(app);
 * bind(EventPublisher.class).toProvider(EventPublisherProvider.class);
 * }</pre>
 *
 * <p>The publisher can be injected before the app is started, which is when containers wire their
 * objects: each call publishes through the app as it is then. Before {@link App#start()} a call
 * returns a stage failed with a {@link TwelvefoldException} saying so; after {@link App#close()}
 * the app's publisher refuses the event in the same way. {@link #get()} always returns the same
 * publisher. Thread-safe.
 */
@Singleton
public final class EventPublisherProvider implements Provider<EventPublisher> {
    private final EventPublisher publisher;

    /**
     * Called by the container.
     *
     * @param app the application whose outputs the publisher sends to, never null
     */
    @Inject
    public EventPublisherProvider(App app) {
        this.publisher = new AppPublisher(Objects.requireNonNull(app, "app"));
    }

    /** @return the publisher of the app, the same instance on every call, never null */
    @Override
    public EventPublisher get() {
        return publisher;
    }

    /** Publishes through {@link App#publisher()} as it is at each call. */
    private static final class AppPublisher implements EventPublisher {
        private final App app;

        AppPublisher(App app) {
            this.app = app;
        }

        @Override
        public <U> Event<U> newEvent(String channel, String key, U payload) {
            return app.publisher().newEvent(channel, key, payload);
        }

        @Override
        public CompletionStage<Void> publish(String channel, Object payload) {
            try {
                return app.publisher().publish(channel, payload);
            } catch (TwelvefoldException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletionStage<Void> publish(String channel, String key, Object payload) {
            try {
                return app.publisher().publish(channel, key, payload);
            } catch (TwelvefoldException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletionStage<Void> publish(String channel, Event<?> event) {
            try {
                return app.publisher().publish(channel, event);
            } catch (TwelvefoldException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }
}
