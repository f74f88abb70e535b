package io.twelvefold.core.internal.dispatch;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessorInterceptor;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Dispatchers on hand-made transport doubles (no broker, no config), the executors they run on, and
 * the doubles: one subscription, an output publisher ({@code out}, channel {@code "out"}) and a
 * dead-letter publisher. Close it after the test.
 */
final class DispatchFixture implements AutoCloseable {
    /** The name of the dispatchers' callback thread. */
    static final String CALLBACK_THREAD = "test-callbacks";

    final ExecutorService workers = Executors.newCachedThreadPool();
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, CALLBACK_THREAD));
    final FakeSubscription subscription = new FakeSubscription();
    final FakePublisher dlq = new FakePublisher();
    final FakePublisher out = new FakePublisher();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The user's interceptors of every channel, for the dispatchers made from now on. */
    final List<ProcessorInterceptor> interceptors = new ArrayList<>();
    /** The user's interceptors of the channel, for the dispatchers made from now on. */
    final List<ProcessorInterceptor> channelInterceptors = new ArrayList<>();
    /** Dead letters go here; {@link #dlq} unless a test sets another. */
    Publisher deadLetters = dlq;

    /** Settings of channel {@code c}: backoff 5 ms doubling up to 20 ms, no jitter. */
    static ChannelSettings settings(int concurrency, int maxInFlight, int maxAttempts) {
        return new ChannelSettings("c", "dest", "g", concurrency, maxInFlight, maxAttempts, Duration.ofMillis(5),
                Duration.ofMillis(20), 2.0, 0, "dest.dlq", 1 << 20, Duration.ofSeconds(30));
    }

    /** Settings of channel {@code c}: every retry waits {@code backoff}, no jitter. */
    static ChannelSettings settings(int concurrency, int maxInFlight, int maxAttempts, Duration backoff) {
        return new ChannelSettings("c", "dest", "g", concurrency, maxInFlight, maxAttempts, backoff, backoff, 2.0, 0,
                "dest.dlq", 1 << 20, Duration.ofSeconds(30));
    }

    static FakeMessage message(String key, String json, long offset) {
        return message(key, json, 0, offset);
    }

    static FakeMessage message(String key, String json, int partition, long offset) {
        return new FakeMessage(key, partition, offset, json.getBytes(StandardCharsets.UTF_8));
    }

    /** A dispatcher whose outputs go to {@link #out}, all attempts on workers. */
    <T> Dispatcher<T> dispatcher(ChannelSettings s, Class<T> type, EventProcessor<T> p) {
        return dispatcher(s, type, out, p, 0);
    }

    /**
     * A dispatcher bound to {@link #subscription}, its meters in {@link #registry}.
     *
     * @param output where channel {@code "out"} sends
     * @param inlineBelowNanos as on a transport that allows attempts on its delivery thread; 0 for never
     */
    <T> Dispatcher<T> dispatcher(ChannelSettings s, Class<T> type, Publisher output, EventProcessor<T> p,
            long inlineBelowNanos) {
        Outputs outputs = outputs(output, registry);
        Dispatcher<T> d = new Dispatcher<>(new Dispatcher.Setup<>(s, type, p, List.copyOf(interceptors),
                List.copyOf(channelInterceptors), Codec.json(), "test", outputs, deadLetters, List.of(), workers,
                callbacks, timer, "fake", inlineBelowNanos));
        d.metrics().bind(registry);
        d.bind(subscription);
        return d;
    }

    /** The output channel {@code "out"} on a publisher, JSON, source {@code /test}. */
    static Outputs outputs(Publisher output, MeterRegistry registry) {
        ChannelSettings outChannel = new ChannelSettings("out", "out-dest", "g", 1, 1, 1, Duration.ofMillis(5),
                Duration.ofMillis(20), 2.0, 0, "out-dest.dlq", 1 << 20, Duration.ofSeconds(30));
        return new Outputs(new SinglePublisherTransport(output), List.of(outChannel), Codec.json(), "test", registry,
                "fake");
    }

    @Override
    public void close() {
        workers.shutdownNow();
        timer.shutdownNow();
        callbacks.shutdownNow();
    }

    /** A transport whose every publisher is the one given. */
    private record SinglePublisherTransport(Publisher publisher) implements Transport {
        @Override
        public Set<Capability> capabilities() {
            return Set.of();
        }

        @Override
        public Publisher publisher(PublisherRequest request) {
            return publisher;
        }

        @Override
        public Subscription subscribe(SubscriptionRequest request, MessageHandler handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }
}
