package io.twelvefold.transport.inmemory;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** Appends to one destination; a send is confirmed as soon as it is in the log. */
final class InMemoryPublisher implements Publisher {
    /**
     * Every successful send returns this one completed future rather than a new one: it is already
     * complete, so nothing a caller does with it (complete, cancel, chain) changes it for others.
     */
    private static final CompletableFuture<Void> SENT = CompletableFuture.completedFuture(null);

    private final InMemoryTransport transport;
    private final Destination destination;
    private volatile boolean closed;

    InMemoryPublisher(InMemoryTransport transport, Destination destination) {
        this.transport = transport;
        this.destination = destination;
    }

    @Override
    public CompletableFuture<Void> send(OutgoingMessage message) {
        Objects.requireNonNull(message, "message");
        if (transport.isClosed()) {
            return CompletableFuture.failedFuture(new TransportException(transport.closedMessage()
                    + "; cannot send to destination '" + destination.name() + "'"));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new TransportException("Publisher for destination '"
                    + destination.name() + "' is closed; open a new publisher"));
        }
        destination.publish(message);
        return SENT;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            transport.closed(this);
        }
    }
}
