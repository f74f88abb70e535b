package io.twelvefold.transport.inmemory;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client of an {@link InMemoryBroker}. It owns the publishers and subscriptions it opened, and
 * closing it closes them; the broker and its messages stay for the other transports.
 */
final class InMemoryTransport implements Transport {
    private static final Set<Capability> CAPABILITIES = Set.copyOf(EnumSet.of(
            Capability.ORDERED_BY_KEY, Capability.COMPETING_CONSUMERS, Capability.FAN_OUT,
            Capability.REDELIVERY, Capability.PAUSE_RESUME, Capability.DELAYED_REDELIVERY,
            Capability.INLINE_PROCESSING));

    private final InMemoryBroker broker;
    private final int partitions;
    private final Set<InMemorySubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final Set<InMemoryPublisher> publishers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    InMemoryTransport(InMemoryBroker broker, int partitions) {
        this.broker = broker;
        this.partitions = partitions;
    }

    InMemoryBroker broker() {
        return broker;
    }

    @Override
    public Set<Capability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Publisher publisher(PublisherRequest request) {
        String destination = Objects.requireNonNull(request, "request").destination();
        checkOpen();
        InMemoryPublisher publisher = new InMemoryPublisher(this, broker.destination(destination, partitions));
        publishers.add(publisher);
        if (closed) {
            publisher.close();
        }
        return publisher;
    }

    @Override
    public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        Group group = broker.destination(request.destination(), partitions).group(request.group());
        InMemorySubscription subscription = new InMemorySubscription(this, group, handler, request.prefetch());
        subscriptions.add(subscription);
        subscription.start();
        if (closed) {
            subscription.close();
        }
        return subscription;
    }

    /** @return the broker's dead letters: browsing touches no group, a removal is seen by every group */
    @Override
    public Optional<DeadLetterStore> deadLetters() {
        return Optional.of(new InMemoryDeadLetters(broker));
    }

    @Override
    public boolean connected() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        for (InMemorySubscription subscription : new ArrayList<>(subscriptions)) {
            subscription.close();
        }
        for (InMemoryPublisher publisher : new ArrayList<>(publishers)) {
            publisher.close();
        }
    }

    boolean isClosed() {
        return closed;
    }

    void closed(InMemorySubscription subscription) {
        subscriptions.remove(subscription);
    }

    void closed(InMemoryPublisher publisher) {
        publishers.remove(publisher);
    }

    private void checkOpen() {
        if (closed) {
            throw new TransportException(closedMessage() + "; create a new transport");
        }
    }

    String closedMessage() {
        return "Transport '" + InMemoryTransportProvider.NAME + "' of broker '" + broker.name() + "' is closed";
    }

    @Override
    public String toString() {
        return "InMemoryTransport[broker=" + broker.name() + ", partitions=" + partitions + "]";
    }
}
