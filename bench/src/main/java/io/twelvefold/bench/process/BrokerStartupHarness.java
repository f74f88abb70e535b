package io.twelvefold.bench.process;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.twelvefold.bench.Medians;
import io.twelvefold.bench.ProcStat;
import io.twelvefold.bench.kafka.KafkaBroker;
import io.twelvefold.bench.kafka.KafkaHandLoop;
import io.twelvefold.bench.rabbitmq.RabbitBroker;
import io.twelvefold.bench.rabbitmq.RabbitHandLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Start-up and exit of real processes on a real broker: {@link ProcessorApp} (Twelvefold) next to
 * the hand-written client loop of the same broker ({@link KafkaHandLoop}, {@link RabbitHandLoop}),
 * each as a child JVM with the same flags, classpath and environment, launched alternately.
 *
 * <p>Per run: the input (N events) is already waiting on a fresh input topic or queue and the
 * harness already consumes the run's output topic or queue; it launches the process and measures
 * <ol>
 *   <li>launch to the first output event received by the harness from the broker;</li>
 *   <li>once every output arrived (and, on Kafka, the group's committed offsets reached the end of
 *       the input) and the process has been idle for {@value #IDLE_MILLIS} ms: SIGTERM
 *       ({@link ProcessHandle#destroy()}) to process exit, and the exit status;</li>
 *   <li>afterwards, what the process left behind: outputs beyond N (duplicates) and, on RabbitMQ,
 *       messages back in the input queue (not acknowledged before exit).</li>
 * </ol>
 * On Kafka every side runs with both consumer group protocols, {@code classic} and
 * {@code consumer} (KIP-848). The child's output lines are written, stamped with the milliseconds
 * since launch, to one log file per run; a few of them (the Twelvefold "ready" line, the first
 * Kafka client, the group join) are reported as the time line of the start.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.twelvefold.bench.process.BrokerStartupHarness kafka|rabbitmq [runs] [events]</pre>
 *
 * <p>Kafka: {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS}, else a broker in the harness's JVM
 * ({@link KafkaBroker}); RabbitMQ: {@code TWELVEFOLD_RABBITMQ_URI}, default
 * {@code amqp://localhost:5672}. {@code BENCH_JAVA_OPTS} replaces the children's JVM options
 * (default {@value #DEFAULT_JAVA_OPTS}); {@code TWELVEFOLD_KAFKA_CLIENT_*} variables are passed to
 * both children (native client properties, which {@link KafkaHandLoop} reads too).
 */
public final class BrokerStartupHarness {
    private static final String DEFAULT_JAVA_OPTS = "-Xmx256m";
    private static final long IDLE_MILLIS = 500;
    private static final int PARTITIONS = 3;
    /**
     * Lines of a child's output whose first appearance is reported (label, pattern found in the
     * line). "start() called" is the Twelvefold ready line's time minus the start duration it logs.
     */
    private static final Map<String, Pattern> MARKERS = markers();

    private BrokerStartupHarness() {
    }

    private static Map<String, Pattern> markers() {
        Map<String, Pattern> m = new LinkedHashMap<>();
        m.put("first log line", Pattern.compile(""));
        m.put("start() called", Pattern.compile(" ready on transport '[a-z]+' in ([0-9]+) ms"));
        m.put("first broker response", Pattern.compile("Cluster ID: "));
        m.put("group joined", Pattern.compile("Successfully joined group"));
        m.put("partitions assigned", Pattern.compile("ssigned partitions"));
        m.put("ready / loop started", Pattern.compile(" ready on transport |loop started"));
        return m;
    }

    /** One contender: which main, and (on Kafka) which group protocol. */
    private record Variant(String name, boolean twelvefold, String groupProtocol) {
        String label() {
            return groupProtocol == null ? name : name + ", " + groupProtocol;
        }
    }

    private record Run(double firstOutputMillis, double cpuMillis, double exitMillis, int exitCode, long extraOutputs,
            long requeued, Map<String, Double> markers) {
    }

    /** What one run needs from the broker: a launch environment and the observations. */
    private interface Scenario extends AutoCloseable {
        /** Prepares the input and starts watching the output; returns the child's broker variables. */
        Map<String, String> prepare(Variant v, String id) throws Exception;

        /** @return the nanoTime of the first output, waiting up to the timeout; -1 on timeout */
        long awaitFirstOutput(Duration timeout) throws Exception;

        /** Waits until every output arrived and the input is committed; false on timeout. */
        boolean awaitDrained(Duration timeout) throws Exception;

        /** @return outputs beyond the input's count */
        long extraOutputs() throws Exception;

        /** @return input messages back in the queue after the process exited (RabbitMQ), else 0 */
        long requeued() throws Exception;

        /** Removes the run's topology. */
        void cleanUp() throws Exception;

        @Override
        void close() throws Exception;
    }

    /**
     * Runs the measurement.
     *
     * @param args {@code kafka} or {@code rabbitmq}, the runs per variant (default 10), the input
     *        events per run (default 1,000)
     * @throws Exception when a broker or a process fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !List.of("kafka", "rabbitmq").contains(args[0])) {
            System.err.println("usage: BrokerStartupHarness kafka|rabbitmq [runs] [events]");
            System.exit(2);
        }
        // the embedded broker and our own clients log at warn; the children keep their INFO logs
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        String broker = args[0];
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int events = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        List<Variant> variants = broker.equals("kafka")
                ? List.of(new Variant("Twelvefold", true, "classic"), new Variant("hand-written", false, "classic"),
                        new Variant("Twelvefold", true, "consumer"), new Variant("hand-written", false, "consumer"))
                : List.of(new Variant("Twelvefold", true, null), new Variant("hand-written", false, null));
        String javaOpts = System.getenv().getOrDefault("BENCH_JAVA_OPTS", DEFAULT_JAVA_OPTS);
        Path logs = Files.createTempDirectory("twelvefold-startup-" + broker + "-");
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        Instant started = Instant.now();
        Map<Variant, List<Run>> results = new LinkedHashMap<>();
        variants.forEach(v -> results.put(v, new ArrayList<>()));
        try (Scenario scenario = broker.equals("kafka") ? new KafkaScenario(events, runs + 1, variants.size())
                : new RabbitScenario(events)) {
            // round 0 warms up the page cache and the broker; not counted
            for (int round = 0; round <= runs; round++) {
                List<Variant> order = new ArrayList<>(variants);
                if (round % 2 == 1) {
                    Collections.reverse(order);
                }
                for (Variant v : order) {
                    Run r = measure(scenario, v, javaOpts, logs, round);
                    System.out.printf("round %d %-26s first output %6.0f ms (CPU %4.0f ms), exit %5.0f ms, status %d%s%n",
                            round, v.label(), r.firstOutputMillis(), r.cpuMillis(), r.exitMillis(), r.exitCode(),
                            round == 0 ? " (warm-up)" : "");
                    if (round > 0) {
                        results.get(v).add(r);
                    }
                }
            }
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        report(broker, runs, events, javaOpts, results, started, load0, load1, logs);
    }

    private static Run measure(Scenario scenario, Variant v, String javaOpts, Path logs, int round) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> brokerEnv = scenario.prepare(v, id);
        ProcessBuilder pb = ChildJvm.builder(javaOpts, List.of(), v.twelvefold() ? ProcessorApp.class.getName()
                : brokerEnv.containsKey("TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS") ? KafkaHandLoop.class.getName()
                : RabbitHandLoop.class.getName(), brokerEnv);
        Path log = logs.resolve(String.format("%02d-%s-%s.log", round, v.twelvefold() ? "twelvefold" : "hand",
                v.groupProtocol() == null ? "rabbitmq" : v.groupProtocol()));
        Map<String, Double> seen = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        Process p = pb.start();
        Thread reader = ChildJvm.saveOutput(p, log, t0, (line, ms) -> mark(line, ms, seen));
        try {
            long first = scenario.awaitFirstOutput(Duration.ofSeconds(120));
            double cpu = ProcStat.cpuMillis(p.pid());
            String threads = Boolean.getBoolean("bench.threads") ? threadCpu(p.pid()) : null;
            if (first < 0) {
                throw new IllegalStateException("no output within 120 s from " + v.label() + ", see " + log);
            }
            if (!scenario.awaitDrained(Duration.ofSeconds(300))) {
                throw new IllegalStateException("input not drained within 300 s by " + v.label() + ", see " + log);
            }
            Thread.sleep(IDLE_MILLIS); // the process is idle: nothing left to fetch, commits done
            long term = System.nanoTime();
            p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of the pipes
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no exit within 60 s after SIGTERM: " + v.label() + ", see " + log);
            }
            long exited = System.nanoTime();
            reader.join(5_000);
            if (threads != null) {
                Files.writeString(log, threads, StandardOpenOption.APPEND);
            }
            Files.writeString(log, String.format("+%8.1f ms  [harness] SIGTERM sent%n+%8.1f ms  [harness] exited with %d%n",
                    (term - t0) / 1e6, (exited - t0) / 1e6, p.exitValue()), StandardOpenOption.APPEND);
            return new Run((first - t0) / 1e6, cpu, (exited - term) / 1e6, p.exitValue(), scenario.extraOutputs(),
                    scenario.requeued(), Map.copyOf(seen));
        } finally {
            p.destroyForcibly();
            scenario.cleanUp();
        }
    }

    /** @return one line per thread of the process that has used CPU: its name and its CPU time in ms, most first */
    private static String threadCpu(long pid) {
        List<Map.Entry<String, Long>> threads = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    long ms = ProcStat.cpuTicks(stat) * 10;
                    if (ms > 0) {
                        threads.add(Map.entry(ProcStat.name(stat), ms));
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            return "[harness] threads: " + e + System.lineSeparator();
        }
        threads.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> t : threads) {
            b.append(String.format("[harness] CPU by first output: %-20s %5d ms%n", t.getKey(), t.getValue()));
        }
        return b.toString();
    }

    /** Notes the markers found in one line of a child's output, {@code ms} after launch. */
    private static void mark(String line, double ms, Map<String, Double> seen) {
        for (Map.Entry<String, Pattern> m : MARKERS.entrySet()) {
            Matcher matcher = m.getValue().matcher(line);
            if (matcher.find()) {
                seen.putIfAbsent(m.getKey(), matcher.groupCount() > 0 ? ms - Long.parseLong(matcher.group(1)) : ms);
            }
        }
    }

    private static void report(String broker, int runs, int events, String javaOpts, Map<Variant, List<Run>> results,
            Instant started, String load0, String load1, Path logs) throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        System.out.println();
        System.out.printf("%s, %d runs per row after one warm-up round, %,d input events waiting, started %s%n",
                broker, runs, events, started);
        System.out.printf("java %s, %d CPUs (%s), children: %s; load average before: %s, after: %s%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), cpu, javaOpts, load0,
                load1);
        System.out.println();
        System.out.println("| process | launch to first output (ms) | CPU used by then (ms) | SIGTERM to exit (ms) | exit status | outputs beyond "
                + events + (broker.equals("rabbitmq") ? " | requeued after exit" : "") + " |");
        System.out.println("|---|---:|---:|---:|---|---:" + (broker.equals("rabbitmq") ? "|---:" : "") + "|");
        List<Variant> variants = new ArrayList<>(results.keySet());
        for (Variant v : variants) {
            List<Run> rs = results.get(v);
            System.out.printf("| %s | %.0f | %.0f | %.0f | %s | %d%s |%n", v.label(), Medians.of(rs, Run::firstOutputMillis),
                    Medians.of(rs, Run::cpuMillis), Medians.of(rs, Run::exitMillis), rs.stream().map(r -> Integer.toString(r.exitCode())).distinct().toList(),
                    rs.stream().mapToLong(Run::extraOutputs).max().orElse(0),
                    broker.equals("rabbitmq") ? " | " + rs.stream().mapToLong(Run::requeued).max().orElse(0) : "");
        }
        for (int i = 0; i + 1 < variants.size(); i += 2) {
            Variant tf = variants.get(i);
            Variant hand = variants.get(i + 1);
            System.out.printf("| ratio Twelvefold / hand-written%s | %.2f | %.2f | %.2f | | %s|%n",
                    tf.groupProtocol() == null ? "" : ", " + tf.groupProtocol(),
                    Medians.of(results.get(tf), Run::firstOutputMillis) / Medians.of(results.get(hand), Run::firstOutputMillis),
                    Medians.of(results.get(tf), Run::cpuMillis) / Medians.of(results.get(hand), Run::cpuMillis),
                    Medians.of(results.get(tf), Run::exitMillis) / Medians.of(results.get(hand), Run::exitMillis),
                    broker.equals("rabbitmq") ? "| " : "");
        }
        System.out.println();
        System.out.println("Time line of the start, median ms after launch (a marker is the first child log line "
                + "containing it; - when never logged):");
        System.out.println();
        List<String> columns = MARKERS.keySet().stream()
                .filter(m -> results.values().stream().flatMap(List::stream).anyMatch(r -> r.markers().containsKey(m)))
                .toList();
        System.out.print("| process |");
        columns.forEach(m -> System.out.print(" " + m + " |"));
        System.out.println(" first output |");
        System.out.println("|---|" + "---:|".repeat(columns.size() + 1));
        for (Variant v : variants) {
            List<Run> rs = results.get(v);
            System.out.print("| " + v.label() + " |");
            for (String m : columns) {
                List<Run> with = rs.stream().filter(r -> r.markers().containsKey(m)).toList();
                System.out.print(with.isEmpty() ? " - |"
                        : String.format(" %.0f |", Medians.of(with, r -> r.markers().get(m))));
            }
            System.out.printf(" %.0f |%n", Medians.of(rs, Run::firstOutputMillis));
        }
        System.out.println();
        System.out.println("Child logs (lines stamped with ms since launch): " + logs);
    }

    // ---- Kafka ------------------------------------------------------------------------------------

    /**
     * One input topic (3 partitions, N records, 100 keys) read by every run with a group of its own;
     * one output topic per run, read by the harness with {@code assign} (no group, no join delay).
     */
    private static final class KafkaScenario implements Scenario {
        private final int events;
        private final KafkaBroker broker;
        private final Admin admin;
        private final String input;
        private final List<String> outputs = new ArrayList<>();
        private final List<String> groups = new ArrayList<>();
        private int next;
        private String group;
        private KafkaConsumer<byte[], byte[]> watcher;
        private long count;

        KafkaScenario(int events, int rounds, int variants) throws Exception {
            this.events = events;
            this.broker = KafkaBroker.fromEnvironmentOrStart();
            this.admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
            String run = UUID.randomUUID().toString().substring(0, 8);
            this.input = "bench-startup-in-" + run;
            List<NewTopic> topics = new ArrayList<>();
            topics.add(new NewTopic(input, PARTITIONS, (short) 1));
            topics.add(new NewTopic(input + ".dlq", 1, (short) 1));
            for (int i = 0; i < rounds * variants; i++) {
                String out = "bench-startup-out-" + run + "-" + i;
                outputs.add(out);
                topics.add(new NewTopic(out, PARTITIONS, (short) 1));
            }
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            KafkaBroker.awaitServing(admin, topics.stream().map(NewTopic::name).toList());
            try (KafkaProducer<String, byte[]> producer = KafkaHandLoop.producer(broker.bootstrapServers())) {
                Future<RecordMetadata> last = null;
                for (int i = 0; i < events; i++) {
                    last = producer.send(KafkaBroker.toonRecord(input, "toon-" + (i % 100), i));
                }
                last.get();
            }
        }

        @Override
        public Map<String, String> prepare(Variant v, String id) {
            String output = outputs.get(next++);
            this.group = (v.twelvefold() ? "tf-" : "hand-") + v.groupProtocol() + "-" + id;
            groups.add(group);
            Map<String, Object> c = new HashMap<>();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
            this.watcher = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(output, p));
            }
            watcher.assign(partitions);
            watcher.seekToBeginning(partitions);
            watcher.poll(Duration.ofMillis(200)); // connected and positioned before the launch
            this.count = 0;
            return ProcessorApp.kafkaEnvironment(broker.bootstrapServers(), v.groupProtocol(), input, group, output);
        }

        @Override
        public long awaitFirstOutput(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = watcher.poll(Duration.ofMillis(50));
                if (!records.isEmpty()) {
                    long at = System.nanoTime();
                    count += records.count();
                    return at;
                }
            }
            return -1;
        }

        @Override
        public boolean awaitDrained(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count < events) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                count += watcher.poll(Duration.ofMillis(50)).count();
            }
            while (committed() < events) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(20);
            }
            return true;
        }

        private long committed() throws Exception {
            long committed = 0;
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS).entrySet()) {
                if (e.getKey().topic().equals(input) && e.getValue() != null) {
                    committed += e.getValue().offset();
                }
            }
            return committed;
        }

        @Override
        public long extraOutputs() {
            count += watcher.poll(Duration.ofMillis(200)).count();
            return count - events;
        }

        @Override
        public long requeued() {
            return 0;
        }

        @Override
        public void cleanUp() {
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
        }

        @Override
        public void close() throws Exception {
            cleanUp();
            try {
                // every process has exited: the groups are empty
                List<String> topics = new ArrayList<>(outputs);
                topics.addAll(List.of(input, input + ".dlq"));
                admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS);
                admin.deleteConsumerGroups(groups).all().get(60, TimeUnit.SECONDS);
            } finally {
                admin.close();
                broker.close();
            }
        }
    }

    // ---- RabbitMQ ---------------------------------------------------------------------------------

    /**
     * Per run: a fresh input exchange with the side's queue declared as the side declares it and N
     * events waiting in it, and a fresh output exchange with a sink queue the harness consumes.
     */
    private static final class RabbitScenario implements Scenario {
        private final int events;
        private final RabbitBroker broker;
        private final Connection connection;
        private Channel watching;
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong firstAt = new AtomicLong(-1);
        private String in;
        private String out;
        private String queue;
        private String sink;
        private List<String> queues = List.of();
        private List<String> exchanges = List.of();

        RabbitScenario(int events) throws Exception {
            this.events = events;
            this.broker = RabbitBroker.fromEnvironment();
            this.connection = broker.newConnection("twelvefold-bench-watch");
        }

        @Override
        public Map<String, String> prepare(Variant v, String id) throws Exception {
            in = "bench-startup-in-" + id;
            out = "bench-startup-out-" + id;
            String group = v.twelvefold() ? "tf" : "hand";
            queue = in + "." + group;
            if (v.twelvefold()) {
                broker.declareTwelvefoldGroup(in, group);
                queues = List.of(queue, in + ".dlq." + group);
                exchanges = List.of(in, in + ".dlq", out);
            } else {
                broker.declareHandQueue(in, queue);
                queues = List.of(queue);
                exchanges = List.of(in, out);
            }
            sink = broker.sink(out);
            queues = new ArrayList<>(queues);
            queues.add(sink);
            broker.preload(in, events);
            count.set(0);
            firstAt.set(-1);
            watching = connection.createChannel();
            watching.basicConsume(sink, true, new DefaultConsumer(watching) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    firstAt.compareAndSet(-1, System.nanoTime());
                    count.incrementAndGet();
                }
            });
            return ProcessorApp.rabbitEnvironment(broker.uri(), in, group, out);
        }

        @Override
        public long awaitFirstOutput(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (firstAt.get() < 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            return firstAt.get();
        }

        @Override
        public boolean awaitDrained(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count.get() < events) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(5);
            }
            return true;
        }

        @Override
        public long extraOutputs() throws InterruptedException {
            Thread.sleep(200); // late duplicates, if any
            return count.get() - events;
        }

        @Override
        public long requeued() throws IOException {
            return broker.ready(queue);
        }

        @Override
        public void cleanUp() throws Exception {
            if (watching != null && watching.isOpen()) {
                watching.close();
            }
            broker.delete(queues, exchanges);
        }

        @Override
        public void close() throws Exception {
            connection.close();
            broker.close();
        }
    }
}
