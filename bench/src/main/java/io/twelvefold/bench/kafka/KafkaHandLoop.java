package io.twelvefold.bench.kafka;

import io.twelvefold.bench.Toon;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The hand-written kafka-clients consume-transform-produce loop that Twelvefold is compared with:
 * poll, {@link Toon#shout(byte[]) shout} each record, send it as a CloudEvent in binary content mode
 * (the input's {@code ce_} headers with a new id and time, as Twelvefold writes; idempotent producer, acks=all),
 * wait for every send of the batch, then commit the batch synchronously (auto-commit off), so an
 * input is committed only after its output was acknowledged, as on Twelvefold.
 *
 * <p>As a process ({@link #main}) it reads the same environment variables as
 * {@link io.twelvefold.bench.process.ProcessorApp} and stops gracefully on SIGTERM: a shutdown hook
 * wakes the consumer up, the batch in hand is finished and committed, the consumer leaves the
 * group and the producer is flushed and closed.
 */
public final class KafkaHandLoop implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final String output;

    /**
     * Creates the clients and subscribes; the group is joined by the first {@link #pollOnce()}.
     *
     * @param bootstrap the cluster
     * @param input the topic to read
     * @param output the topic to write
     * @param group the consumer group
     * @param groupProtocol {@code classic} or {@code consumer} (KIP-848)
     */
    public KafkaHandLoop(String bootstrap, String input, String output, String group, String groupProtocol) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, Object> p = producerProperties(bootstrap);
        nativeProperties(c, p);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.output = output;
        consumer.subscribe(List.of(input));
    }

    /**
     * One turn of the loop: poll (up to 100 ms), transform and send, wait for the sends, commit.
     *
     * @return the records processed and committed, 0 when the poll returned nothing, -1 when
     *         {@link #wakeup()} interrupted the poll (stop)
     * @throws Exception when a send or the commit fails
     */
    public int pollOnce() throws Exception {
        ConsumerRecords<String, byte[]> batch;
        try {
            batch = consumer.poll(Duration.ofMillis(100));
        } catch (WakeupException e) {
            return -1;
        }
        if (batch.isEmpty()) {
            return 0;
        }
        List<Future<RecordMetadata>> sends = new ArrayList<>(batch.count());
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : batch) {
            sends.add(producer.send(new ProducerRecord<>(output, null, r.key(), Toon.shout(r.value()), cloudEvent(r))));
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        for (Future<RecordMetadata> f : sends) {
            f.get();
        }
        try {
            consumer.commitSync(offsets);
        } catch (WakeupException e) {
            // a stop request arrived while the batch was in hand: finish it, then stop at the next poll
            consumer.commitSync(offsets);
            consumer.wakeup();
        }
        return batch.count();
    }

    /** Makes a blocked or the next {@link #pollOnce()} return -1. Thread-safe. */
    public void wakeup() {
        consumer.wakeup();
    }

    /** Leaves the group and closes the consumer, then flushes and closes the producer. */
    @Override
    public void close() {
        consumer.close();
        producer.close();
    }

    /**
     * The loop's producer, also used to fill input topics.
     *
     * @param bootstrap the cluster
     * @return an idempotent producer with acks=all and the client's other defaults
     */
    public static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(producerProperties(bootstrap), new StringSerializer(), new ByteArraySerializer());
    }

    private static Map<String, Object> producerProperties(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    /**
     * Native client properties from the environment, as the Kafka transport reads them:
     * {@code TWELVEFOLD_KAFKA_CLIENT_FETCH_MAX_WAIT_MS=100} is {@code fetch.max.wait.ms=100}, given to
     * the clients that know it. For experiments that must apply to both sides.
     */
    private static void nativeProperties(Map<String, Object> consumer, Map<String, Object> producer) {
        String prefix = "TWELVEFOLD_KAFKA_CLIENT_";
        System.getenv().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                String name = k.substring(prefix.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.');
                if (ConsumerConfig.configNames().contains(name)) {
                    consumer.put(name, v);
                }
                if (ProducerConfig.configNames().contains(name)) {
                    producer.put(name, v);
                }
            }
        });
    }

    /**
     * Runs the loop until SIGTERM. Reads {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS},
     * {@code TWELVEFOLD_CHANNELS_TOONS_DESTINATION} (input), {@code TWELVEFOLD_CHANNELS_TOONS_GROUP},
     * {@code TWELVEFOLD_CHANNELS_SHOUTED_DESTINATION} (output) and {@code TWELVEFOLD_KAFKA_GROUP_PROTOCOL}
     * (default classic), the variables the Twelvefold side reads.
     *
     * @param args none
     * @throws Exception when the loop fails
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        KafkaHandLoop loop = new KafkaHandLoop(env.getOrDefault("TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
                env.getOrDefault("TWELVEFOLD_CHANNELS_TOONS_DESTINATION", "toons"),
                env.getOrDefault("TWELVEFOLD_CHANNELS_SHOUTED_DESTINATION", "shouted"),
                env.getOrDefault("TWELVEFOLD_CHANNELS_TOONS_GROUP", "hand-written"),
                env.getOrDefault("TWELVEFOLD_KAFKA_GROUP_PROTOCOL", "classic"));
        Thread main = Thread.currentThread();
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            loop.wakeup();
            try {
                main.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop"));
        System.out.println("hand-written kafka loop started");
        try {
            while (!stopping.get() && loop.pollOnce() >= 0) {
                // next batch
            }
        } finally {
            loop.close();
            System.out.println("hand-written kafka loop stopped");
        }
    }

    /**
     * The output's headers: what a hand-written CloudEvents processor writes in binary content mode,
     * as Twelvefold does: the input's {@code ce_} attributes and headers, with a new {@code ce_id}
     * and {@code ce_time}.
     */
    private static Headers cloudEvent(ConsumerRecord<String, byte[]> input) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : input.headers()) {
            if (!h.key().equals("ce_id") && !h.key().equals("ce_time")) {
                headers.add(h);
            }
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        UUID id = new UUID((random.nextLong() & 0xffffffffffff0fffL) | 0x4000L,
                (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L);
        headers.add("ce_id", id.toString().getBytes(StandardCharsets.UTF_8));
        headers.add("ce_time", Instant.now().toString().getBytes(StandardCharsets.UTF_8));
        return headers;
    }
}
