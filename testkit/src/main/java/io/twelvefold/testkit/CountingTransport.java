package io.twelvefold.testkit;

import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** The decorator behind {@link DeliveryCounts#wrap(Transport)}. */
final class CountingTransport implements Transport {
    private final Transport delegate;
    private final DeliveryCounts counts;

    CountingTransport(Transport delegate, DeliveryCounts counts) {
        this.delegate = delegate;
        this.counts = counts;
    }

    @Override
    public Set<Capability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public Publisher publisher(PublisherRequest request) {
        return delegate.publisher(request);
    }

    @Override
    public void onReady(MeterRegistry registry) {
        delegate.onReady(registry);
    }

    @Override
    public java.util.List<String> provision(SubscriptionRequest request) {
        return delegate.provision(request);
    }

    @Override
    public java.util.Optional<io.twelvefold.core.spi.DeadLetterStore> deadLetters() {
        return delegate.deadLetters();
    }

    @Override
    public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
        CountingHandler counting = new CountingHandler(handler, counts);
        Subscription subscription = delegate.subscribe(request, counting);
        return new Subscription() {
            @Override
            public void pause() {
                subscription.pause();
            }

            @Override
            public void resume() {
                subscription.resume();
            }

            @Override
            public void close() {
                subscription.close();
                // what was delivered and not acknowledged belongs to the group again
                counting.outstanding.clear();
            }
        };
    }

    @Override
    public boolean connected() {
        return delegate.connected();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Counts the deliveries of one subscription and what of them is still unacknowledged. */
    private static final class CountingHandler implements MessageHandler {
        private final MessageHandler delegate;
        private final DeliveryCounts counts;
        private final Set<CountingMessage> outstanding = ConcurrentHashMap.newKeySet();

        CountingHandler(MessageHandler delegate, DeliveryCounts counts) {
            this.delegate = delegate;
            this.counts = counts;
        }

        @Override
        public void onMessage(IncomingMessage message) {
            CountingMessage counting = new CountingMessage(message, this);
            outstanding.add(counting);
            counts.delivered(message, outstanding.size());
            delegate.onMessage(counting);
        }

        @Override
        public void onPartitionsRevoked(Set<Integer> partitions) {
            delegate.onPartitionsRevoked(partitions);
            // the runtime dropped them unacknowledged; they are no longer in flight here
            outstanding.removeIf(m -> partitions.contains(m.partition()));
        }

        @Override
        public void onCancelled(String reason) {
            delegate.onCancelled(reason);
        }
    }

    /** A delivered message whose {@link #ack()} is counted. Identity equality on purpose. */
    private static final class CountingMessage implements IncomingMessage {
        private final IncomingMessage delegate;
        private final CountingHandler handler;
        private final AtomicBoolean acked = new AtomicBoolean();

        CountingMessage(IncomingMessage delegate, CountingHandler handler) {
            this.delegate = delegate;
            this.handler = handler;
        }

        @Override
        public String destination() {
            return delegate.destination();
        }

        @Override
        public int partition() {
            return delegate.partition();
        }

        @Override
        public long offset() {
            return delegate.offset();
        }

        @Override
        public String key() {
            return delegate.key();
        }

        @Override
        public Map<String, String> attributes() {
            return delegate.attributes();
        }

        @Override
        public Map<String, String> headers() {
            return delegate.headers();
        }

        @Override
        public byte[] payload() {
            return delegate.payload();
        }

        @Override
        public int deliveryCount() {
            return delegate.deliveryCount();
        }

        @Override
        public String messageId() {
            return delegate.messageId();
        }

        @Override
        public java.time.Instant timestamp() {
            return delegate.timestamp();
        }

        @Override
        public CompletableFuture<Void> redeliverLater(Duration delay, Map<String, String> headers) {
            // the copy is a new delivery, counted when it comes back; this one is acknowledged through ack()
            return delegate.redeliverLater(delay, headers);
        }

        @Override
        public void ack() {
            // every call counts, a second ack of the same delivery included: the runtime acks at most once
            handler.counts.acked(delegate);
            if (acked.compareAndSet(false, true)) {
                handler.outstanding.remove(this);
            }
            delegate.ack();
        }
    }
}
