package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.IncomingMessage;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A consumed record; {@link #ack()} hands the offset to the poll thread of its subscription. */
final class KafkaIncomingMessage implements IncomingMessage {
    private final KafkaSubscription subscription;
    private final PartitionOffsets offsets;
    private final String topic;
    private final long offset;
    private final String key;
    private final long timestamp;
    private final Map<String, String> attributes;
    private final Map<String, String> headers;
    private final byte[] payload;
    private final AtomicBoolean acked = new AtomicBoolean();

    KafkaIncomingMessage(KafkaSubscription subscription, PartitionOffsets offsets, ConsumerRecord<String, byte[]> r,
            CloudEventsBinding.Split split) {
        this.subscription = subscription;
        this.offsets = offsets;
        this.topic = r.topic();
        this.offset = r.offset();
        this.key = r.key();
        this.timestamp = r.timestamp();
        this.attributes = split.attributes();
        this.headers = split.headers();
        this.payload = r.value() == null ? new byte[0] : r.value();
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

    /** {@code <topic>-<partition>-<offset>}: the same on every delivery of the record. */
    @Override
    public String messageId() {
        return topic + "-" + partition() + "-" + offset;
    }

    /** The record's timestamp (create time or log-append time, as the topic says), or null when it has none. */
    @Override
    public Instant timestamp() {
        return timestamp < 0 ? null : Instant.ofEpochMilli(timestamp);
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
