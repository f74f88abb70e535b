package io.twelvefold.bench.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.twelvefold.core.App;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Consume-transform-produce on a real Kafka broker: Twelvefold next to a hand-written
 * kafka-clients loop with the same guarantees (acks=all, idempotent producer, commit only after
 * the sends of what is committed completed), the same input topic (N JSON records, 3 partitions,
 * 100 keys) and the same work per record (parse JSON, upper-case {@code name}, emit). Each side
 * reads the input with a group of its own and writes to an output topic of its own; a run ends
 * when the group's committed offsets reach the end of the input.
 *
 * <p>Usage: {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS=host:port java ... KafkaLoopBench [records] [rounds]}.
 * Not a JMH benchmark: one end-to-end pass per side and round, alternating, so both see the same
 * broker state; report the best and the median.
 */
public final class KafkaLoopBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 3;

    /** The payload: a toon and its number. */
    public record Toon(String name, int n) {
    }

    private KafkaLoopBench() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = System.getenv().getOrDefault("TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "bench-toons-" + run;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<NewTopic> topics = new ArrayList<>();
            topics.add(new NewTopic(input, PARTITIONS, (short) 1));
            for (int r = 0; r < rounds; r++) {
                topics.add(new NewTopic("bench-hand-out-" + run + "-" + r, PARTITIONS, (short) 1));
                topics.add(new NewTopic("bench-tf-out-" + run + "-" + r, PARTITIONS, (short) 1));
                topics.add(new NewTopic("bench-tf-out-" + run + "-" + r + ".dlq", 1, (short) 1));
            }
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            Thread.sleep(1000); // let the partitions' leaders settle before producing
            fill(bootstrap, input, records);
            System.out.printf("input: %,d records on %d partitions%n", records, PARTITIONS);
            List<Double> hand = new ArrayList<>();
            List<Double> tf = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                Result h = handWritten(bootstrap, admin, input, "bench-hand-out-" + run + "-" + r, "hand-" + run + "-" + r,
                        records);
                Result t = twelvefold(bootstrap, admin, input, "bench-tf-out-" + run + "-" + r, "tf-" + run + "-" + r,
                        records);
                hand.add(h.perSecond());
                tf.add(t.perSecond());
                System.out.printf("round %d: hand-written %,.0f rec/s (first output after %d ms), twelvefold %,.0f rec/s "
                        + "(first output after %d ms), ratio %.2f%n", r + 1, h.perSecond(), h.firstOutputMillis(),
                        t.perSecond(), t.firstOutputMillis(), t.perSecond() / h.perSecond());
            }
            hand.sort(null);
            tf.sort(null);
            double hm = hand.get(hand.size() / 2);
            double tm = tf.get(tf.size() / 2);
            System.out.printf("median: hand-written %,.0f rec/s, twelvefold %,.0f rec/s, ratio %.2f%n", hm, tm, tm / hm);
        }
    }

    record Result(double perSecond, long firstOutputMillis) {
    }

    private static void fill(String bootstrap, String topic, int records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            Future<RecordMetadata> last = null;
            for (int i = 0; i < records; i++) {
                String key = "toon-" + (i % 100);
                RecordHeaders headers = new RecordHeaders();
                headers.add("ce_id", ("id-" + i).getBytes(UTF_8));
                headers.add("ce_source", "/bench".getBytes(UTF_8));
                headers.add("ce_type", "bench.toon".getBytes(UTF_8));
                headers.add("ce_specversion", "1.0".getBytes(UTF_8));
                headers.add("content-type", "application/json".getBytes(UTF_8));
                byte[] value = JSON.writeValueAsBytes(new Toon("luke skywalker " + i, i));
                last = producer.send(new ProducerRecord<>(topic, null, key, value, headers));
            }
            last.get();
        }
    }

    /** The hand-written loop: poll, transform, send, wait for the sends, commit the batch. */
    private static Result handWritten(String bootstrap, Admin admin, String input, String output, String group,
            int records) throws Exception {
        long t0 = System.nanoTime();
        long first = -1;
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new ByteArrayDeserializer()); KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            consumer.subscribe(List.of(input));
            long done = 0;
            while (done < records) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(100));
                if (batch.isEmpty()) {
                    continue;
                }
                List<Future<RecordMetadata>> sends = new ArrayList<>(batch.count());
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : batch) {
                    ObjectNode toon = (ObjectNode) JSON.readTree(r.value());
                    toon.put("name", toon.get("name").asText().toUpperCase());
                    sends.add(producer.send(new ProducerRecord<>(output, r.key(), JSON.writeValueAsBytes(toon))));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                for (Future<RecordMetadata> f : sends) {
                    f.get();
                }
                if (first < 0) {
                    first = (System.nanoTime() - t0) / 1_000_000;
                }
                consumer.commitSync(offsets);
                done += batch.count();
            }
        }
        awaitCommitted(admin, group, input, records);
        return new Result(records / ((System.nanoTime() - t0) / 1e9), first);
    }

    /** The same processor on Twelvefold: parse (the codec), upper-case, emit; the runtime acks after the confirm. */
    private static Result twelvefold(String bootstrap, Admin admin, String input, String output, String group,
            int records) throws Exception {
        long t0 = System.nanoTime();
        AtomicLong first = new AtomicLong(-1);
        Map<String, String> extra = new HashMap<>();
        // -Dtwelvefold.kafka.client.linger.ms=0 and the like, for experiments
        System.getProperties().forEach((k, v) -> {
            if (k.toString().startsWith("twelvefold.")) {
                extra.put(k.toString(), v.toString());
            }
        });
        App app = App.builder()
                .environment(Map.of())
                .config("twelvefold.transport", "kafka")
                .config("twelvefold.name", "bench")
                .config("twelvefold.kafka.bootstrap-servers", bootstrap)
                .config("twelvefold.channels.toons.destination", input)
                .config("twelvefold.channels.toons.group", group)
                .config("twelvefold.channels.toons.max-in-flight", "2000")
                .config("twelvefold.channels.shouted.destination", output)
                .processor("toons", Toon.class, (event, ctx) -> {
                    ctx.emit("shouted", new Toon(event.data().name().toUpperCase(), event.data().n()));
                    if (first.get() < 0) {
                        first.compareAndSet(-1, (System.nanoTime() - t0) / 1_000_000);
                    }
                })
                .output("shouted")
                .config(extra)
                .build()
                .start();
        try {
            awaitCommitted(admin, group, input, records);
        } finally {
            app.close();
        }
        return new Result(records / ((System.nanoTime() - t0) / 1e9), first.get());
    }

    private static void awaitCommitted(Admin admin, String group, String topic, int records) throws Exception {
        while (true) {
            long committed = 0;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).entrySet()) {
                if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                    committed += e.getValue().offset();
                }
            }
            if (committed >= records) {
                return;
            }
            Thread.sleep(20);
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
