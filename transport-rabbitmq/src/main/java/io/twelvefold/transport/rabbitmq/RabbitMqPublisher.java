package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes to one exchange (a destination's topic exchange, an existing exchange, or the default
 * exchange) through the transport's pool of confirm channels, with each message's routing key
 * ({@link MessageMapping#routingKey}). A key always goes through the same channel, so sends of one
 * key from one thread reach the broker in order. Thread-safe.
 */
final class RabbitMqPublisher implements Publisher {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqPublisher.class);

    private final RabbitMqTransport transport;
    private final String exchange;
    /** The channel's fixed routing key, or null. */
    private final String routingKey;
    private final Duration closeTimeout;
    private volatile boolean closed;

    RabbitMqPublisher(RabbitMqTransport transport, String exchange, String routingKey, Duration closeTimeout) {
        this.transport = transport;
        this.exchange = exchange;
        this.routingKey = routingKey;
        this.closeTimeout = closeTimeout;
    }

    @Override
    public CompletableFuture<Void> send(OutgoingMessage message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            return CompletableFuture.failedFuture(new TransportException("The RabbitMQ publisher of exchange '" + exchange
                    + "' is closed"));
        }
        return transport.channelFor(message.key()).send(this, exchange, MessageMapping.routingKey(message, routingKey),
                message, null, false);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // the sends not confirmed yet are found where they wait, rather than tracked per send
        List<CompletableFuture<Void>> pending = transport.pending(this);
        if (pending.isEmpty()) {
            transport.closed(this);
            return;
        }
        try {
            CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
                    .get(closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // each send reported its own failure to its caller
        } catch (TimeoutException e) {
            LOG.warn("RabbitMQ publisher of exchange '{}' closed with {} send(s) still unconfirmed after {}", exchange,
                    pending.stream().filter(f -> !f.isDone()).count(), closeTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.closed(this);
    }

    @Override
    public String toString() {
        return "RabbitMqPublisher[exchange=" + exchange + "]";
    }
}
