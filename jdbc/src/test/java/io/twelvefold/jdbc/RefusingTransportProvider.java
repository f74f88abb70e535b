package io.twelvefold.jdbc;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory transport (its settings under {@code twelvefold.refusing.}) whose broker refuses,
 * once, the send of a message whose payload is the given bytes.
 */
final class RefusingTransportProvider extends InterceptingTransportProvider {
    final AtomicInteger refused = new AtomicInteger();
    private final String payload;

    RefusingTransportProvider(String payload) {
        super("refusing");
        this.payload = payload;
    }

    @Override
    Publisher wrap(Publisher inner) {
        return new Publisher() {
            @Override
            public CompletableFuture<Void> send(OutgoingMessage message) {
                if (new String(message.payload(), StandardCharsets.UTF_8).equals(payload)
                        && refused.compareAndSet(0, 1)) {
                    return CompletableFuture.failedFuture(new TransportException("the broker refused it"));
                }
                return inner.send(message);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }
}
