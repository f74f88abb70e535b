package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A publisher that records what it sent and confirms at once, or leaves the confirmations to the test. */
final class FakePublisher implements Publisher {
    volatile boolean autoConfirm = true;
    final List<OutgoingMessage> sent = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Void> send(OutgoingMessage message) {
        sent.add(message);
        if (autoConfirm) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        pending.add(f);
        return f;
    }

    @Override
    public void close() {
    }

    /** A publisher that answers each send as {@code send} says. */
    static Publisher answering(Function<OutgoingMessage, CompletableFuture<Void>> send) {
        return new Publisher() {
            @Override
            public CompletableFuture<Void> send(OutgoingMessage message) {
                return send.apply(message);
            }

            @Override
            public void close() {
            }
        };
    }
}

