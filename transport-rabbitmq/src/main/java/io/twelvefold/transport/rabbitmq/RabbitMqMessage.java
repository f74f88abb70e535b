package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.spi.IncomingMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** A delivery of a subscription; {@link #offset()} is its delivery tag on the subscription's channel. */
final class RabbitMqMessage implements IncomingMessage {
    private final RabbitMqSubscription subscription;
    private final String destination;
    private final long deliveryTag;
    private final int generation;
    private final String key;
    private final Map<String, String> attributes;
    private final Map<String, String> headers;
    private final String messageId;
    private final Instant timestamp;
    private final byte[] payload;
    private final int deliveryCount;
    private final AtomicBoolean acked = new AtomicBoolean();

    RabbitMqMessage(RabbitMqSubscription subscription, String destination, long deliveryTag, int generation,
            MessageMapping.Incoming parts, byte[] payload, int deliveryCount) {
        this.subscription = subscription;
        this.destination = destination;
        this.deliveryTag = deliveryTag;
        this.generation = generation;
        this.key = parts.key();
        this.attributes = parts.attributes();
        this.headers = parts.headers();
        this.messageId = parts.messageId();
        this.timestamp = parts.timestamp();
        this.payload = payload;
        this.deliveryCount = deliveryCount;
    }

    @Override
    public String destination() {
        return destination;
    }

    @Override
    public int partition() {
        return 0;
    }

    @Override
    public long offset() {
        return deliveryTag;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Map<String, String> attributes() {
        return attributes;
    }

    @Override
    public Map<String, String> headers() {
        return headers;
    }

    /** @return the AMQP {@code message-id} property, or null when the producer set none */
    @Override
    public String messageId() {
        return messageId;
    }

    /** @return the AMQP {@code timestamp} property (whole seconds), or null when the producer set none */
    @Override
    public Instant timestamp() {
        return timestamp;
    }

    @Override
    public byte[] payload() {
        return payload;
    }

    @Override
    public int deliveryCount() {
        return deliveryCount;
    }

    /**
     * The attributes a copy of this delivery carries: its own, with its {@code message-id} as the
     * {@code id} of a plain message, so that the copy keeps the message id (which the runtime takes
     * as the event id of a plain message).
     */
    Map<String, String> copyAttributes() {
        if (messageId == null || attributes.containsKey(MessageMapping.ID)) {
            return attributes;
        }
        Map<String, String> copy = new java.util.HashMap<>(attributes);
        copy.put(MessageMapping.ID, messageId);
        return copy;
    }

    int generation() {
        return generation;
    }

    @Override
    public void ack() {
        if (acked.compareAndSet(false, true)) {
            subscription.acknowledge(this);
        }
    }

    /**
     * Publishes a copy to the group's retry queue for the delay, with publisher confirms; see
     * {@link RabbitMqSubscription#redeliverLater}. Does not acknowledge this delivery.
     */
    @Override
    public CompletableFuture<Void> redeliverLater(Duration delay, Map<String, String> headers) {
        return subscription.redeliverLater(this, delay, headers);
    }

    @Override
    public String toString() {
        return "RabbitMqMessage[" + destination + "#" + deliveryTag + ", id="
                + attributes.getOrDefault(MessageMapping.ID, messageId) + "]";
    }
}
