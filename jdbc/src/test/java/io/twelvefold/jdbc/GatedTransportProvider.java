package io.twelvefold.jdbc;

import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory transport (its settings under {@code twelvefold.gated.}) whose broker confirms
 * nothing until the gate opens, and which records what happened to it, in order: {@code sent},
 * {@code confirmed}, {@code closed}.
 */
final class GatedTransportProvider extends InterceptingTransportProvider {
    final List<String> log = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> gate = new CompletableFuture<>();

    GatedTransportProvider() {
        super("gated");
    }

    long count(String what) {
        return log.stream().filter(what::equals).count();
    }

    @Override
    void closing() {
        log.add("closed");
    }

    @Override
    Publisher wrap(Publisher inner) {
        List<Runnable> held = new ArrayList<>();
        gate.thenRun(() -> {
            synchronized (held) {
                held.forEach(Runnable::run); // in the order they were sent
                held.clear();
            }
        });
        return new Publisher() {
            @Override
            public CompletableFuture<Void> send(OutgoingMessage message) {
                log.add("sent");
                // the broker takes the message once the gate opens, and confirms it then
                CompletableFuture<Void> confirmed = new CompletableFuture<>();
                Runnable take = () -> inner.send(message).thenRun(() -> log.add("confirmed"))
                        .whenComplete((v, e) -> {
                            if (e == null) {
                                confirmed.complete(null);
                            } else {
                                confirmed.completeExceptionally(e);
                            }
                        });
                synchronized (held) {
                    if (!gate.isDone()) {
                        held.add(take);
                        return confirmed;
                    }
                }
                take.run();
                return confirmed;
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }
}
