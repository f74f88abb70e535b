package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.IncomingMessage;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A consumed record; {@link #ack()} hands the offset to the poll thread of its subscription. */
final class KafkaIncomingMessage implements IncomingMessage {
    private final KafkaSubscription subscription;
    private final PartitionOffsets offsets;
    private final String topic;
    private final long offset;
    private final String key;
    private final Map<String, String> attributes;
    private final Map<String, String> headers;
    private final byte[] payload;
    private final AtomicBoolean acked = new AtomicBoolean();

    KafkaIncomingMessage(KafkaSubscription subscription, PartitionOffsets offsets, String topic, long offset,
            String key, CloudEventsBinding.Split split, byte[] payload) {
        this.subscription = subscription;
        this.offsets = offsets;
        this.topic = topic;
        this.offset = offset;
        this.key = key;
        this.attributes = split.attributes();
        this.headers = split.headers();
        this.payload = payload == null ? new byte[0] : payload;
    }

    @Override
    public String destination() {
        return topic;
    }

    @Override
    public int partition() {
        return offsets.partition.partition();
    }

    @Override
    public long offset() {
        return offset;
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

    @Override
    public byte[] payload() {
        return payload;
    }

    /** Kafka does not count deliveries: always 1. */
    @Override
    public int deliveryCount() {
        return 1;
    }

    @Override
    public void ack() {
        if (acked.compareAndSet(false, true) && !offsets.revoked) {
            subscription.acked(offsets, offset);
        }
    }

    @Override
    public String toString() {
        return topic + "/" + partition() + "@" + offset;
    }
}
