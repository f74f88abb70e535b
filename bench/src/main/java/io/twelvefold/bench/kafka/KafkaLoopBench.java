package io.twelvefold.bench.kafka;

import io.twelvefold.bench.Medians;
import io.twelvefold.bench.Toon;
import io.twelvefold.core.App;
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
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consume-transform-produce on a real Kafka broker: Twelvefold next to a hand-written
 * kafka-clients loop with the same guarantees (acks=all, idempotent producer, commit only after
 * the sends of what is committed completed), the same input topic (N JSON records, 3 partitions,
 * 100 keys) and the same work per record (parse JSON, upper-case {@code name}, emit). Each side
 * reads the input with a group of its own and writes to an output topic of its own; a run ends
 * when the group's committed offsets reach the end of the input.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.twelvefold.bench.kafka.KafkaLoopBench [records] [rounds]},
 * against {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS} when it is set, otherwise against a broker it
 * starts in its own JVM ({@link KafkaBroker}). Not a JMH benchmark: one end-to-end pass per side and
 * round, the side that goes first alternating round by round, so both see the same broker state;
 * reports the medians and the median of the per-round ratios.
 */
public final class KafkaLoopBench {
    private static final int PARTITIONS = 3;

    private KafkaLoopBench() {
    }

    public static void main(String[] args) throws Exception {
        // the broker (when embedded), the clients and the apps log at warn unless told otherwise
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String run = UUID.randomUUID().toString().substring(0, 8);
        String input = "bench-toons-" + run;
        try (KafkaBroker broker = KafkaBroker.fromEnvironmentOrStart();
                Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            String bootstrap = broker.bootstrapServers();
            List<NewTopic> topics = new ArrayList<>();
            topics.add(new NewTopic(input, PARTITIONS, (short) 1));
            topics.add(new NewTopic(input + ".dlq", 1, (short) 1));
            for (int r = 0; r < rounds; r++) {
                topics.add(new NewTopic("bench-hand-out-" + run + "-" + r, PARTITIONS, (short) 1));
                topics.add(new NewTopic("bench-tf-out-" + run + "-" + r, PARTITIONS, (short) 1));
            }
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            KafkaBroker.awaitServing(admin, topics.stream().map(NewTopic::name).toList());
            fill(bootstrap, input, records);
            System.out.printf("input: %,d records on %d partitions%n", records, PARTITIONS);
            List<Double> hand = new ArrayList<>();
            List<Double> tf = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                String handOut = "bench-hand-out-" + run + "-" + r;
                String tfOut = "bench-tf-out-" + run + "-" + r;
                Result h;
                Result t;
                if (r % 2 == 0) {
                    h = handWritten(bootstrap, admin, input, handOut, "hand-" + run + "-" + r, records);
                    t = twelvefold(bootstrap, admin, input, tfOut, "tf-" + run + "-" + r, records);
                } else {
                    t = twelvefold(bootstrap, admin, input, tfOut, "tf-" + run + "-" + r, records);
                    h = handWritten(bootstrap, admin, input, handOut, "hand-" + run + "-" + r, records);
                }
                hand.add(h.perSecond());
                tf.add(t.perSecond());
                ratios.add(t.perSecond() / h.perSecond());
                System.out.printf("round %d: hand-written %,.0f rec/s (first output after %d ms), twelvefold %,.0f rec/s "
                        + "(first output after %d ms), ratio %.2f%n", r + 1, h.perSecond(), h.firstOutputMillis(),
                        t.perSecond(), t.firstOutputMillis(), t.perSecond() / h.perSecond());
            }
            double hm = median(hand);
            double tm = median(tf);
            System.out.printf("median: hand-written %,.0f rec/s, twelvefold %,.0f rec/s, ratio %.2f "
                    + "(median of the rounds' ratios %.2f)%n", hm, tm, tm / hm, median(ratios));
        }
    }

    private static double median(List<Double> values) {
        return Medians.of(values, Double::doubleValue);
    }

    record Result(double perSecond, long firstOutputMillis) {
    }

    private static void fill(String bootstrap, String topic, int records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = KafkaHandLoop.producer(bootstrap)) {
            Future<RecordMetadata> last = null;
            for (int i = 0; i < records; i++) {
                String key = "toon-" + (i % 100);
                last = producer.send(KafkaBroker.toonRecord(topic, key, i));
            }
            last.get();
        }
    }

    /** The hand-written loop ({@link KafkaHandLoop}): poll, transform, send, wait for the sends, commit the batch. */
    private static Result handWritten(String bootstrap, Admin admin, String input, String output, String group,
            int records) throws Exception {
        long t0 = System.nanoTime();
        long first = -1;
        try (KafkaHandLoop loop = new KafkaHandLoop(bootstrap, input, output, group, groupProtocol())) {
            long done = 0;
            while (done < records) {
                int n = loop.pollOnce();
                if (n > 0 && first < 0) {
                    first = (System.nanoTime() - t0) / 1_000_000;
                }
                done += Math.max(n, 0);
            }
        }
        awaitCommitted(admin, group, input, records);
        return new Result(records / ((System.nanoTime() - t0) / 1e9), first);
    }

    /** @return the group protocol of both sides: {@code -Dtwelvefold.kafka.group-protocol}, default classic */
    private static String groupProtocol() {
        return System.getProperty("twelvefold.kafka.group-protocol", "classic");
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
                    ctx.emit("shouted", event.data().shouted());
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
}
