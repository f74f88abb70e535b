package io.twelvefold.transport.kafka;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.StoredMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The dead letters of a group on a dead-letter topic, tracked by the offsets of an admin consumer
 * group of their own, {@code <group>.dlq-admin}: a browse reads from that group's committed
 * offset (or the start of each partition) to the end, without committing; a removal commits past
 * the message, which also leaves behind every earlier message of its partition
 * ({@link #removesInOrder()}). Records stay on the topic until its retention deletes them.
 * Consumers are assigned partitions (no group membership, no rebalance), one per group, kept until
 * {@link #close()}. Thread-safe (one call at a time).
 */
final class KafkaDeadLetters implements DeadLetterStore {
    static final String ADMIN_GROUP_SUFFIX = ".dlq-admin";
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long a browse may take to read up to the end offsets it saw at its start. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaTransportConfig config;
    private final Map<String, KafkaConsumer<String, byte[]>> consumers = new HashMap<>();

    KafkaDeadLetters(KafkaTransportConfig config) {
        this.config = config;
    }

    @Override
    public boolean removesInOrder() {
        return true;
    }

    @Override
    public synchronized List<StoredMessage> browse(String destination, String group, int max) {
        Objects.requireNonNull(destination, "destination");
        try {
            KafkaConsumer<String, byte[]> c = consumer(group);
            List<PartitionInfo> infos = c.partitionsFor(destination, config.connectTimeout);
            List<StoredMessage> found = new ArrayList<>();
            if (infos == null || infos.isEmpty()) {
                return found;
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(i -> partitions.add(new TopicPartition(destination, i.partition())));
            c.assign(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, config.connectTimeout);
            Set<TopicPartition> unread = seekToCommitted(c, partitions, end);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (!unread.isEmpty() && found.size() < max && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < end.get(tp) && found.size() < max) {
                        found.add(stored(group, r));
                    }
                }
                unread.removeIf(tp -> c.position(tp) >= end.get(tp));
            }
            c.unsubscribe();
            found.sort(Comparator.comparingInt(StoredMessage::partition).thenComparingLong(StoredMessage::position));
            return found;
        } catch (KafkaException e) {
            throw new TransportException("Topic '" + destination + "' cannot be read: " + e.getMessage(), e);
        }
    }

    /** @return the partitions with records between the admin group's committed offset and the end */
    private static Set<TopicPartition> seekToCommitted(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions,
            Map<TopicPartition, Long> end) {
        Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(partitions));
        Map<TopicPartition, Long> begin = c.beginningOffsets(partitions);
        Set<TopicPartition> unread = new HashSet<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata at = committed.get(tp);
            long start = Math.max(begin.get(tp), at == null ? 0 : at.offset());
            c.seek(tp, start);
            if (start < end.get(tp)) {
                unread.add(tp);
            }
        }
        return unread;
    }

    @Override
    public synchronized boolean remove(StoredMessage message) {
        TopicPartition tp = new TopicPartition(message.destination(), message.partition());
        try {
            KafkaConsumer<String, byte[]> c = consumer(message.group());
            OffsetAndMetadata at = c.committed(Set.of(tp)).get(tp);
            if (at != null && at.offset() > message.position()) {
                return false;
            }
            c.commitSync(Map.of(tp, new OffsetAndMetadata(message.position() + 1)));
            return true;
        } catch (KafkaException e) {
            throw new TransportException("The offset of admin group '" + message.group() + ADMIN_GROUP_SUFFIX
                    + "' on '" + tp + "' cannot be committed: " + e.getMessage(), e);
        }
    }

    private StoredMessage stored(String group, ConsumerRecord<String, byte[]> r) {
        CloudEventsBinding.Split split = CloudEventsBinding.fromHeaders(r.headers());
        Map<String, String> attributes = new LinkedHashMap<>(split.attributes());
        return new StoredMessage(r.topic(), group, r.partition(), r.offset(), r.key(), attributes, split.headers(),
                r.value() == null ? new byte[0] : r.value());
    }

    private KafkaConsumer<String, byte[]> consumer(String group) {
        return consumers.computeIfAbsent(group, g -> {
            Map<String, Object> props = new LinkedHashMap<>(config.clientProperties(ConsumerConfig.configNames()));
            props.put(ConsumerConfig.GROUP_ID_CONFIG, g + ADMIN_GROUP_SUFFIX);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            String clientId = config.clientId("dlq-admin-" + g);
            if (clientId != null) {
                props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
            }
            return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        });
    }

    /** Closes the consumers; called when the transport closes. */
    synchronized void close() {
        consumers.values().forEach(c -> c.close(Duration.ofSeconds(5)));
        consumers.clear();
    }
}
