package io.twelvefold.core.internal;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transport provider named {@code flaky} whose broker cannot be reached for its first
 * {@code failures} attempts (a negative number: never), or refuses the credentials; then a transport
 * that confirms every send at once and delivers nothing.
 */
final class FlakyProvider implements TransportProvider {
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    private final int failures;
    private final boolean refuseCredentials;

    FlakyProvider(int failures) {
        this(failures, false);
    }

    FlakyProvider(int failures, boolean refuseCredentials) {
        this.failures = failures;
        this.refuseCredentials = refuseCredentials;
    }

    @Override
    public String name() {
        return "flaky";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(new ConfigKey("uri", "string", "flaky://broker", true, "Where the broker is."));
    }

    @Override
    public Transport create(TransportContext context) {
        int attempt = attempts.incrementAndGet();
        if (refuseCredentials) {
            throw new ConfigurationException("twelvefold.flaky.uri (TWELVEFOLD_FLAKY_URI): the broker refused the "
                    + "credentials");
        }
        if (failures < 0 || attempt <= failures) {
            throw new TransportException("The flaky broker at 'flaky://broker' (TWELVEFOLD_FLAKY_URI) is not reachable: "
                    + "connection refused");
        }
        return new Transport() {
            @Override
            public Set<Capability> capabilities() {
                return Set.of();
            }

            @Override
            public Publisher publisher(PublisherRequest request) {
                return new Publisher() {
                    @Override
                    public CompletableFuture<Void> send(io.twelvefold.core.spi.OutgoingMessage message) {
                        return CompletableFuture.completedFuture(null);
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
                return new Subscription() {
                    @Override
                    public void pause() {
                    }

                    @Override
                    public void resume() {
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        };
    }
}
