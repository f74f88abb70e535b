package io.twelvefold.bench.process;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.twelvefold.bench.Medians;
import io.twelvefold.bench.ProcStat;
import io.twelvefold.bench.Toon;
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
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.ToDoubleFunction;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Throughput of real processes on a real broker, as a user measures it: {@link ProcessorApp}
 * (Twelvefold) next to the hand-written client loop of the same broker ({@link KafkaHandLoop},
 * {@link RabbitHandLoop}), each as a child JVM with the JVM's default flags (no heap size, no
 * tuning; {@code BENCH_JAVA_OPTS} may set some, for both sides alike), the same classpath and the
 * same environment, run after run alternately.
 *
 * <p>Per run, the input is already waiting: a fresh input topic (with the given partitions) or
 * queue, preloaded with N toons ({@link Toon#json(int)}, about 40 bytes of JSON) carrying the
 * CloudEvents headers of the start-up harness, each keyed either by a key of its own
 * ({@code distinct}) or by one of K keys round-robin (the Kafka record key; on RabbitMQ the
 * {@code cloudEvents:partitionkey} header, from which the transport reads it, and the routing
 * key). A fresh output topic or queue is already read by a consumer in the harness (Kafka:
 * {@code assign}, no group; RabbitMQ: a consumer on a sink queue bound to the output exchange),
 * which takes each output's toon number from its JSON to count distinct inputs and duplicates.
 * The harness launches the process and measures
 * <ol>
 *   <li>launch to the N-th distinct output received: the <b>throughput</b> is N over that time
 *       (start-up included, as a user timing a backlog sees it); the <b>steady rate</b> is the
 *       outputs from the 10 % to the 90 % one over the time between them; launch to the first
 *       output;</li>
 *   <li>the process's <b>CPU time</b> (user + system of all its threads, {@code /proc/<pid>/stat})
 *       when the N-th output arrives, and per event;</li>
 *   <li>after {@value #IDLE_MILLIS} ms more, its <b>peak resident set</b> ({@code VmHWM} of
 *       {@code /proc/<pid>/status}), then SIGTERM ({@link ProcessHandle#destroy()}) to process
 *       exit, and the exit status;</li>
 *   <li>after the exit: <b>duplicates</b> (outputs beyond one per input, all counted by the
 *       harness's consumer up to the output's end) and what the process left undone: on Kafka the
 *       group's <b>lag</b> (end offset minus committed offset, summed over the input's
 *       partitions), on RabbitMQ the messages <b>left</b> in the input queue.</li>
 * </ol>
 * The two sides alternate, the order reversed every round; round 0 is a warm-up (page cache,
 * broker) and not counted. The report is the median of each column per side and their ratio, with
 * the load average before and after the batch, the java version and the command. The run's
 * topics, group, queues and exchanges are deleted after each run.
 *
 * <p>With {@code -Dbench.alloc=true} (or the argument {@code alloc}) each side runs once more after
 * the timed batch with a flight recording ({@code -XX:StartFlightRecording}, a settings file
 * written by the harness that enables {@code jdk.ThreadAllocationStatistics} every
 * {@value #ALLOC_PERIOD}, nothing else); the bytes allocated by every thread but JFR's own are
 * summed from the recording ({@link RecordingFile}) and reported per event, over the whole process
 * (launch to exit) and over the steady part (10 % to 90 % of the outputs). Timed runs never carry
 * a recording.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.twelvefold.bench.process.ThroughputHarness kafka|rabbitmq [runs=5] [events=200000] [partitions=1] [keys=distinct|K] [alloc]</pre>
 *
 * <p>Kafka: {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS} (best a broker in a process of its own, so
 * that its CPU is not the harness's), else a broker in the harness's JVM ({@link KafkaBroker});
 * both sides use the consumer group protocol {@code -Dbench.kafka.group-protocol} (default
 * {@code classic}, the transport's default). RabbitMQ: {@code TWELVEFOLD_RABBITMQ_URI}, default
 * {@code amqp://localhost:5672}; it has no partitions, so more than 1 is refused.
 * {@code TWELVEFOLD_KAFKA_CLIENT_*} variables go to both children. The children's output is saved,
 * each line stamped with the ms since launch, to one log file per run (path printed at the end).
 */
public final class ThroughputHarness {
    private static final long IDLE_MILLIS = 500;
    private static final String ALLOC_PERIOD = "100 ms";
    /** The longest a run may take from launch to its N-th output. */
    private static final Duration OUTPUT_TIMEOUT = Duration.ofMinutes(10);

    private ThroughputHarness() {
    }

    /** One contender. */
    private record Side(String name, boolean twelvefold) {
    }

    /** What was asked for. */
    private record Params(String broker, int runs, int events, int partitions, int keys, boolean alloc,
            String javaOpts, String groupProtocol) {
        /** @return the key of input {@code i} */
        String key(int i) {
            return "toon-" + (keys == 0 ? i : i % keys);
        }

        String keysLabel() {
            return keys == 0 ? "distinct" : Integer.toString(keys);
        }
    }

    /**
     * One timed run.
     *
     * @param lastOutputMillis launch to the N-th distinct output
     * @param firstOutputMillis launch to the first output
     * @param steadyPerSecond outputs from the 10 % to the 90 % one over the time between them
     * @param cpuSeconds the process's CPU time at the N-th output
     * @param maxRssKb the process's {@code VmHWM} just before SIGTERM
     * @param exitMillis SIGTERM to exit
     * @param exitCode the exit status
     * @param duplicates outputs beyond one per input
     * @param leftover Kafka: the group's lag after exit; RabbitMQ: messages left in the input queue
     */
    private record Run(double lastOutputMillis, double firstOutputMillis, double steadyPerSecond, double cpuSeconds,
            long maxRssKb, double exitMillis, int exitCode, long duplicates, long leftover) {
        double perSecond(int events) {
            return events / (lastOutputMillis / 1000);
        }
    }

    /**
     * Bytes allocated by the process's threads.
     *
     * @param total from launch to exit
     * @param steady from the 10 % output to the 90 % one
     */
    private record Allocation(long total, long steady) {
    }

    /**
     * The outputs of one run as the harness's consumer receives them, fed by one thread (the
     * consumer's), awaited by another.
     */
    private static final class Outputs {
        private final int events;
        private final int at10;
        private final int at90;
        private final BitSet seen;
        private final CountDownLatch complete = new CountDownLatch(1);
        private volatile long pid = -1;
        private long total;
        private int distinct;
        private long firstNanos = -1;
        private long nanos10;
        private long nanos90;
        private long lastNanos;
        private Instant wall10;
        private Instant wall90;
        private double cpuMillis = Double.NaN;
        private volatile String failure;

        Outputs(int events) {
            this.events = events;
            this.at10 = Math.max(1, events / 10);
            this.at90 = Math.max(at10 + 1, events - events / 10);
            this.seen = new BitSet(events);
        }

        /** Called with each output's JSON and when the batch holding it arrived. */
        synchronized void received(byte[] json, long nanos) {
            if (firstNanos < 0) {
                firstNanos = nanos;
            }
            total++;
            int n = toonNumber(json);
            if (n < 0 || n >= events) {
                if (failure == null) {
                    failure = "an output that is not one of the inputs: " + new String(json, UTF_8);
                    complete.countDown();
                }
                return;
            }
            if (seen.get(n)) {
                return;
            }
            seen.set(n);
            distinct++;
            if (distinct == at10) {
                nanos10 = nanos;
                wall10 = Instant.now();
            }
            if (distinct == at90) {
                nanos90 = nanos;
                wall90 = Instant.now();
            }
            if (distinct == events) {
                lastNanos = nanos;
                cpuMillis = ProcStat.cpuMillis(pid);
                complete.countDown();
            }
        }

        synchronized long total() {
            return total;
        }

        synchronized long duplicates() {
            return total - distinct;
        }

        double steadyPerSecond() {
            return (at90 - at10) / ((nanos90 - nanos10) / 1e9);
        }
    }

    /**
     * The toon number of an output: the {@code n} of {@code {"name":"…","n":7}}, searched from the
     * end, where Jackson writes it; -1 when absent.
     */
    static int toonNumber(byte[] json) {
        for (int i = json.length - 4; i >= 0; i--) {
            if (json[i] == '"' && json[i + 1] == 'n' && json[i + 2] == '"' && json[i + 3] == ':') {
                int j = i + 4;
                while (j < json.length && json[j] == ' ') {
                    j++;
                }
                int n = 0;
                int digits = 0;
                for (; j < json.length && json[j] >= '0' && json[j] <= '9'; j++, digits++) {
                    n = n * 10 + (json[j] - '0');
                }
                return digits == 0 ? -1 : n;
            }
        }
        return -1;
    }

    /** What one run needs from the broker. */
    private interface Scenario extends AutoCloseable {
        /**
         * Creates the run's fresh input (preloaded with every event) and output, starts the
         * harness's consumer of the output, feeding {@code outputs}.
         *
         * @return the child's broker and channel variables
         */
        Map<String, String> prepare(Side side, String id, Outputs outputs) throws Exception;

        /**
         * After the process exited: waits until the harness's consumer has every output there is.
         *
         * @return the group's lag (Kafka) or the messages left in the input queue (RabbitMQ)
         */
        long afterExit(Outputs outputs) throws Exception;

        /** Stops the consumer and deletes the run's topics, group, queues and exchanges. */
        void cleanUp() throws Exception;

        /** @return what {@link #afterExit} returns, as a column heading */
        String leftover();

        /** @return where the broker is, for the report */
        String describe();

        @Override
        void close() throws Exception;
    }

    /**
     * Runs the measurement.
     *
     * @param args {@code kafka} or {@code rabbitmq}, the counted runs per side (default 5), the
     *        input events per run (default 200,000), the partitions (default 1), the keys
     *        ({@code distinct}, the default, or a number), and {@code alloc} anywhere for the
     *        allocation pass
     * @throws Exception when a broker or a process fails
     */
    public static void main(String[] args) throws Exception {
        List<String> positional = new ArrayList<>(List.of(args));
        boolean alloc = positional.remove("alloc") | Boolean.getBoolean("bench.alloc");
        Params params;
        try {
            params = params(positional, alloc);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: ThroughputHarness kafka|rabbitmq [runs=5] [events=200000] [partitions=1] "
                    + "[keys=distinct|<number>] [alloc]");
            System.exit(2);
            return;
        }
        // the embedded broker and our own clients log at warn; the children keep their INFO logs
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        List<Side> sides = List.of(new Side("Twelvefold", true), new Side("hand-written", false));
        Path logs = Files.createTempDirectory("twelvefold-throughput-" + params.broker() + "-");
        Instant started = Instant.now();
        Map<Side, List<Run>> results = new LinkedHashMap<>();
        Map<Side, Allocation> allocations = new LinkedHashMap<>();
        sides.forEach(s -> results.put(s, new ArrayList<>()));
        String load0;
        String load1;
        String brokerLabel;
        try (Scenario scenario = params.broker().equals("kafka") ? new KafkaScenario(params) : new RabbitScenario(params)) {
            brokerLabel = scenario.describe();
            load0 = loadAverage();
            // round 0 warms up the page cache and the broker; not counted
            for (int round = 0; params.runs() > 0 && round <= params.runs(); round++) {
                List<Side> order = new ArrayList<>(sides);
                if (round % 2 == 1) {
                    Collections.reverse(order);
                }
                for (Side side : order) {
                    Run r = measure(scenario, params, side, logs, String.format("%02d", round), null);
                    System.out.printf("round %d %-12s %s%s%n", round, side.name(), line(params, r, scenario.leftover()),
                            round == 0 ? " (warm-up)" : "");
                    if (round > 0) {
                        results.get(side).add(r);
                    }
                }
            }
            load1 = loadAverage();
            if (params.alloc()) {
                Path settings = logs.resolve("allocation.jfc");
                Files.writeString(settings, """
                        <?xml version="1.0" encoding="UTF-8"?>
                        <configuration version="2.0" label="twelvefold-bench-allocation">
                          <event name="jdk.ThreadAllocationStatistics">
                            <setting name="enabled">true</setting>
                            <setting name="period">%s</setting>
                          </event>
                        </configuration>
                        """.formatted(ALLOC_PERIOD));
                for (Side side : sides) {
                    Path recording = logs.resolve("alloc-" + (side.twelvefold() ? "twelvefold" : "hand") + ".jfr");
                    Outputs[] outputs = new Outputs[1];
                    Run r = measure(scenario, params, side, logs, "alloc", new Recording(settings, recording, outputs));
                    Allocation a = allocation(recording, outputs[0].wall10, outputs[0].wall90);
                    allocations.put(side, a);
                    System.out.printf("alloc   %-12s %s; allocated %,.0f bytes/event (launch to exit), %,.0f bytes/event "
                            + "(10 %% to 90 %% of the outputs)%n", side.name(), line(params, r, scenario.leftover()),
                            a.total() / (double) params.events(), a.steady() / (double) (outputs[0].at90 - outputs[0].at10));
                }
            }
            report(params, results, allocations, started, load0, load1, brokerLabel, scenario.leftover(), logs);
        }
    }

    private static Params params(List<String> args, boolean alloc) {
        if (args.isEmpty() || !List.of("kafka", "rabbitmq").contains(args.get(0)) || args.size() > 5) {
            throw new IllegalArgumentException(args.isEmpty() ? "no broker given" : "unexpected arguments " + args);
        }
        String broker = args.get(0);
        int runs = args.size() > 1 ? number(args.get(1), "runs", 0) : 5;
        int events = args.size() > 2 ? number(args.get(2), "events", 10) : 200_000;
        int partitions = args.size() > 3 ? number(args.get(3), "partitions", 1) : 1;
        int keys = args.size() > 4 && !args.get(4).equals("distinct") ? number(args.get(4), "keys", 1) : 0;
        if (broker.equals("rabbitmq") && partitions != 1) {
            throw new IllegalArgumentException("RabbitMQ has no partitions: partitions must be 1, was " + partitions);
        }
        return new Params(broker, runs, events, partitions, keys, alloc,
                System.getenv().getOrDefault("BENCH_JAVA_OPTS", "").trim(),
                System.getProperty("bench.kafka.group-protocol", "classic"));
    }

    private static int number(String value, String name, int min) {
        try {
            int n = Integer.parseInt(value.replace("_", "").replace(",", ""));
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a number of at least " + min
                + (name.equals("keys") ? " or 'distinct'" : "") + ", was '" + value + "'");
    }

    /** The flight recording of an allocation run; {@code outputs[0]} receives the run's outputs. */
    private record Recording(Path settings, Path file, Outputs[] outputs) {
        List<String> jvmArgs() {
            return List.of("-XX:StartFlightRecording=settings=" + settings + ",filename=" + file + ",dumponexit=true");
        }
    }

    private static Run measure(Scenario scenario, Params params, Side side, Path logs, String round, Recording recording)
            throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Outputs outputs = new Outputs(params.events());
        if (recording != null) {
            recording.outputs()[0] = outputs;
        }
        try {
            long prepared = System.nanoTime();
            Map<String, String> env = scenario.prepare(side, id, outputs);
            prepared = System.nanoTime() - prepared;
            String main = side.twelvefold() ? ProcessorApp.class.getName()
                    : params.broker().equals("kafka") ? KafkaHandLoop.class.getName() : RabbitHandLoop.class.getName();
            ProcessBuilder pb = ChildJvm.builder(params.javaOpts(), recording == null ? List.of() : recording.jvmArgs(),
                    main, env);
            Path log = logs.resolve(round + "-" + (side.twelvefold() ? "twelvefold" : "hand") + ".log");
            long t0 = System.nanoTime();
            Process p = pb.start();
            outputs.pid = p.pid();
            Thread reader = ChildJvm.saveOutput(p, log, t0, (line, ms) -> { });
            try {
                long deadline = t0 + OUTPUT_TIMEOUT.toNanos();
                while (!outputs.complete.await(1, TimeUnit.SECONDS) || outputs.failure != null) {
                    if (outputs.failure != null) {
                        throw new IllegalStateException(side.name() + ": " + outputs.failure + ", see " + log);
                    }
                    if (!p.isAlive()) {
                        throw new IllegalStateException(side.name() + " exited with " + p.exitValue() + " after "
                                + outputs.total() + " outputs, see " + log);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(side.name() + " wrote " + outputs.total() + " outputs of "
                                + params.events() + " within " + OUTPUT_TIMEOUT.toSeconds() + " s, see " + log);
                    }
                }
                Thread.sleep(IDLE_MILLIS); // the outputs' commits or acks land; the process is idle
                long rss = ProcStat.maxRssKb(p.pid());
                long term = System.nanoTime();
                p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of the pipes
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no exit within 60 s after SIGTERM: " + side.name() + ", see " + log);
                }
                long exited = System.nanoTime();
                reader.join(5_000);
                long leftover = scenario.afterExit(outputs);
                Files.writeString(log, String.format("[harness] input and output prepared in %.0f ms before the launch%n"
                        + "+%8.1f ms  [harness] %d-th output%n+%8.1f ms  [harness] SIGTERM sent%n"
                        + "+%8.1f ms  [harness] exited with %d%n", prepared / 1e6, (outputs.lastNanos - t0) / 1e6,
                        params.events(), (term - t0) / 1e6, (exited - t0) / 1e6, p.exitValue()), StandardOpenOption.APPEND);
                return new Run((outputs.lastNanos - t0) / 1e6, (outputs.firstNanos - t0) / 1e6, outputs.steadyPerSecond(),
                        outputs.cpuMillis / 1000, rss, (exited - term) / 1e6, p.exitValue(), outputs.duplicates(), leftover);
            } finally {
                p.destroyForcibly();
            }
        } finally {
            scenario.cleanUp();
        }
    }

    /**
     * Sums the bytes allocated by the threads of a recording, leaving out JFR's own threads. A
     * thread's {@code jdk.ThreadAllocationStatistics} is its allocation since it started: over the
     * whole run it is the last value of each thread, over the steady part the last value at or
     * before {@code to} minus the last at or before {@code from} (0 for a thread not yet sampled).
     */
    private static Allocation allocation(Path recording, Instant from, Instant to) throws IOException {
        Map<Long, List<RecordedEvent>> byThread = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            RecordedThread t = e.getThread("thread");
            if (!e.getEventType().getName().equals("jdk.ThreadAllocationStatistics") || t == null
                    || t.getJavaName() != null && t.getJavaName().startsWith("JFR ")) {
                continue;
            }
            byThread.computeIfAbsent(t.getJavaThreadId(), k -> new ArrayList<>()).add(e);
        }
        if (byThread.isEmpty()) {
            throw new IllegalStateException("no jdk.ThreadAllocationStatistics in " + recording);
        }
        long total = 0;
        long steady = 0;
        for (List<RecordedEvent> samples : byThread.values()) {
            samples.sort((a, b) -> a.getStartTime().compareTo(b.getStartTime()));
            total += samples.get(samples.size() - 1).getLong("allocated");
            steady += allocatedAt(samples, to) - allocatedAt(samples, from);
        }
        return new Allocation(total, steady);
    }

    private static long allocatedAt(List<RecordedEvent> samples, Instant at) {
        long allocated = 0;
        for (RecordedEvent e : samples) {
            if (e.getStartTime().isAfter(at)) {
                break;
            }
            allocated = e.getLong("allocated");
        }
        return allocated;
    }

    private static String line(Params params, Run r, String leftover) {
        return String.format("%,d events in %,.0f ms: %,.0f events/s (steady %,.0f/s), first output %,.0f ms, CPU %.2f s "
                + "(%.1f µs/event), max RSS %,.0f MB, exit %,.0f ms (status %d), duplicates %d, %s %d",
                params.events(), r.lastOutputMillis(), r.perSecond(params.events()), r.steadyPerSecond(),
                r.firstOutputMillis(), r.cpuSeconds(), r.cpuSeconds() * 1e6 / params.events(), r.maxRssKb() / 1024.0,
                r.exitMillis(), r.exitCode(), r.duplicates(), leftover, r.leftover());
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static void report(Params params, Map<Side, List<Run>> results, Map<Side, Allocation> allocations,
            Instant started, String load0, String load1, String brokerLabel, String leftover, Path logs) throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        int n = params.events();
        System.out.println();
        System.out.printf("%s (%s), %skeys: %s, %,d events preloaded per run, %s%s; started %s, ended %s%n",
                params.broker(), brokerLabel,
                params.broker().equals("kafka") ? params.partitions() + (params.partitions() == 1 ? " partition, " : " partitions, ") : "",
                params.keysLabel(), n, params.runs() == 0 ? "no timed runs"
                        : params.runs() + " counted runs per side after one warm-up round, order reversed every round",
                params.broker().equals("kafka") ? ", group protocol " + params.groupProtocol() : "", started, Instant.now());
        System.out.printf("java %s (%s), %d CPUs (%s); children: %s; load average before: %s, after: %s%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), cpu,
                params.javaOpts().isEmpty() ? "the JVM's default flags" : params.javaOpts(), load0, load1);
        System.out.println("command: " + ProcessHandle.current().info().commandLine().orElse("?"));
        if (params.runs() > 0) {
            System.out.println();
            System.out.println("| side | throughput (events/s) | steady 10–90 % (events/s) | first output (ms) | CPU (s) "
                    + "| CPU per event (µs) | max RSS (MB) | SIGTERM to exit (ms) | exit status | duplicates | "
                    + leftover + " |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
            for (Map.Entry<Side, List<Run>> e : results.entrySet()) {
                List<Run> rs = e.getValue();
                System.out.printf("| %s | %,.0f | %,.0f | %,.0f | %.2f | %.1f | %,.0f | %,.0f | %s | %d | %d |%n",
                        e.getKey().name(), Medians.of(rs, r -> r.perSecond(n)), Medians.of(rs, Run::steadyPerSecond),
                        Medians.of(rs, Run::firstOutputMillis), Medians.of(rs, Run::cpuSeconds),
                        Medians.of(rs, r -> r.cpuSeconds() * 1e6 / n), Medians.of(rs, r -> r.maxRssKb() / 1024.0),
                        Medians.of(rs, Run::exitMillis), rs.stream().map(r -> Integer.toString(r.exitCode())).distinct().toList(),
                        rs.stream().mapToLong(Run::duplicates).max().orElse(0),
                        rs.stream().mapToLong(Run::leftover).max().orElse(0));
            }
            List<Run> tf = results.get(new Side("Twelvefold", true));
            List<Run> hand = results.get(new Side("hand-written", false));
            System.out.printf("| ratio Twelvefold / hand-written | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | | | |%n",
                    ratio(tf, hand, r -> r.perSecond(n)), ratio(tf, hand, Run::steadyPerSecond),
                    ratio(tf, hand, Run::firstOutputMillis), ratio(tf, hand, Run::cpuSeconds),
                    ratio(tf, hand, Run::cpuSeconds), ratio(tf, hand, r -> r.maxRssKb()), ratio(tf, hand, Run::exitMillis));
            System.out.println();
            System.out.println("Medians; duplicates and " + leftover + ": the most of any run.");
        }
        if (!allocations.isEmpty()) {
            System.out.println();
            System.out.println("Allocation (one run per side with JFR jdk.ThreadAllocationStatistics every " + ALLOC_PERIOD
                    + ", JFR's threads left out):");
            System.out.println();
            System.out.println("| side | allocated per event, launch to exit (bytes) | allocated per event, 10–90 % of the "
                    + "outputs (bytes) |");
            System.out.println("|---|---:|---:|");
            int steadyEvents = new Outputs(n).at90 - new Outputs(n).at10;
            allocations.forEach((side, a) -> System.out.printf("| %s | %,.0f | %,.0f |%n", side.name(),
                    a.total() / (double) n, a.steady() / (double) steadyEvents));
            Allocation tf = allocations.get(new Side("Twelvefold", true));
            Allocation hand = allocations.get(new Side("hand-written", false));
            System.out.printf("| ratio Twelvefold / hand-written | %.2f | %.2f |%n", tf.total() / (double) hand.total(),
                    tf.steady() / (double) hand.steady());
        }
        System.out.println();
        System.out.println("Child logs (lines stamped with ms since launch): " + logs);
    }

    private static double ratio(List<Run> tf, List<Run> hand, ToDoubleFunction<Run> f) {
        return Medians.of(tf, f) / Medians.of(hand, f);
    }

    // ---- Kafka ------------------------------------------------------------------------------------

    /**
     * Per run: a fresh input topic with the asked partitions (and its {@code .dlq}, which the
     * Twelvefold side would otherwise create), N records produced before the launch, a fresh output
     * topic with as many partitions read by the harness with {@code assign} from a thread of its
     * own, and a fresh group.
     */
    private static final class KafkaScenario implements Scenario {
        private final Params params;
        private final KafkaBroker broker;
        private final Admin admin;
        private final KafkaProducer<String, byte[]> producer;
        private String id;
        private String input;
        private String output;
        private String group;
        private Thread watcher;
        private volatile boolean stopWatching;

        KafkaScenario(Params params) {
            this.params = params;
            this.broker = KafkaBroker.fromEnvironmentOrStart();
            if (broker.embedded()) {
                System.out.println("Kafka runs in the harness's JVM: set TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS to a broker "
                        + "in a process of its own for figures to publish");
            }
            this.admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()));
            // the preload: idempotent, acks=all, large batches
            Map<String, Object> p = new HashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
            this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public String describe() {
            return broker.embedded() ? "embedded broker in the harness's JVM" : broker.bootstrapServers();
        }

        @Override
        public String leftover() {
            return "lag after exit";
        }

        @Override
        public Map<String, String> prepare(Side side, String id, Outputs outputs) throws Exception {
            this.id = id;
            input = "bench-tp-in-" + id;
            output = "bench-tp-out-" + id;
            group = "bench-tp-" + (side.twelvefold() ? "tf-" : "hand-") + id;
            List<NewTopic> topics = List.of(new NewTopic(input, params.partitions(), (short) 1),
                    new NewTopic(input + ".dlq", 1, (short) 1), new NewTopic(output, params.partitions(), (short) 1));
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            KafkaBroker.awaitServing(admin, topics.stream().map(NewTopic::name).toList());
            AtomicReference<Exception> failed = new AtomicReference<>();
            for (int i = 0; i < params.events() && failed.get() == null; i++) {
                producer.send(KafkaBroker.toonRecord(input, params.key(i), i), (m, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
            if (failed.get() != null) {
                throw new IllegalStateException("preloading " + input + " failed", failed.get());
            }
            long preloaded = endOffsets(input);
            if (preloaded != params.events()) {
                throw new IllegalStateException("preloaded " + preloaded + " of " + params.events() + " records into " + input);
            }
            Map<String, Object> c = new HashMap<>();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < params.partitions(); i++) {
                partitions.add(new TopicPartition(output, i));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            consumer.poll(Duration.ofMillis(200)); // connected and positioned before the launch
            stopWatching = false;
            watcher = new Thread(() -> {
                try (consumer) {
                    while (!stopWatching) {
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                        long now = System.nanoTime();
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            outputs.received(r.value(), now);
                        }
                    }
                }
            }, "output-watcher");
            watcher.setDaemon(true);
            watcher.start();
            return ProcessorApp.kafkaEnvironment(broker.bootstrapServers(), params.groupProtocol(), input, group, output);
        }

        private long endOffsets(String topic) throws Exception {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int i = 0; i < params.partitions(); i++) {
                request.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(o -> o.offset()).sum();
        }

        @Override
        public long afterExit(Outputs outputs) throws Exception {
            // every output the process wrote is in the output topic: wait until the watcher has them all
            long written = endOffsets(output);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (outputs.total() < written) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the harness received " + outputs.total() + " of the " + written
                            + " records in " + output);
                }
                Thread.sleep(10);
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int i = 0; i < params.partitions(); i++) {
                request.put(new TopicPartition(input, i), OffsetSpec.latest());
            }
            long lag = 0;
            for (var e : admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        }

        @Override
        public void cleanUp() throws Exception {
            if (watcher != null) {
                stopWatching = true;
                watcher.join(10_000);
                watcher = null;
            }
            if (id == null) {
                return;
            }
            // the run's topics, with any the process created (their names hold the run's id)
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.contains(id)).toList();
            admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS);
            // a member that did not leave (a killed process) keeps the group until its session times out
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    admin.deleteConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS);
                    break;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) {
                        break;
                    }
                    if (!(e.getCause() instanceof GroupNotEmptyException) || System.nanoTime() > deadline) {
                        System.err.println("could not delete consumer group " + group + ": " + e.getCause());
                        break;
                    }
                    Thread.sleep(500);
                }
            }
            id = null;
        }

        @Override
        public void close() throws Exception {
            cleanUp();
            producer.close();
            admin.close();
            broker.close();
        }
    }

    // ---- RabbitMQ ---------------------------------------------------------------------------------

    /**
     * Per run: a fresh input exchange with the side's queue declared as the side declares it and N
     * events waiting in it, and a fresh output exchange with a sink queue the harness consumes
     * (automatic acks).
     */
    private static final class RabbitScenario implements Scenario {
        private final Params params;
        private final RabbitBroker broker;
        private final Connection connection;
        private Channel watching;
        private CountDownLatch cancelled;
        private String consumerTag;
        private String queue;
        private String sink;
        private List<String> queues = List.of();
        private List<String> exchanges = List.of();

        RabbitScenario(Params params) throws Exception {
            this.params = params;
            this.broker = RabbitBroker.fromEnvironment();
            this.connection = broker.newConnection("twelvefold-bench-watch");
        }

        @Override
        public String describe() {
            return connection.getAddress().getHostAddress() + ":" + connection.getPort() + ", RabbitMQ "
                    + connection.getServerProperties().get("version");
        }

        @Override
        public String leftover() {
            return "left in the input queue";
        }

        @Override
        public Map<String, String> prepare(Side side, String id, Outputs outputs) throws Exception {
            String in = "bench-tp-in-" + id;
            String out = "bench-tp-out-" + id;
            String group = side.twelvefold() ? "tf" : "hand";
            queue = in + "." + group;
            if (side.twelvefold()) {
                broker.declareTwelvefoldGroup(in, group);
                queues = new ArrayList<>(List.of(queue, in + ".dlq." + group));
                exchanges = List.of(in, in + ".dlq", out);
            } else {
                broker.declareHandQueue(in, queue);
                queues = new ArrayList<>(List.of(queue));
                exchanges = List.of(in, out);
            }
            sink = broker.sink(out);
            queues.add(sink);
            IntFunction<String> key = params::key;
            broker.publishToons(in, params.events(), key);
            long preloaded = broker.ready(queue);
            if (preloaded != params.events()) {
                throw new IllegalStateException("preloaded " + preloaded + " of " + params.events() + " messages into " + queue);
            }
            watching = connection.createChannel();
            cancelled = new CountDownLatch(1);
            CountDownLatch done = cancelled;
            consumerTag = watching.basicConsume(sink, true, new DefaultConsumer(watching) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    outputs.received(body, System.nanoTime());
                }

                @Override
                public void handleCancelOk(String consumerTag) {
                    done.countDown();
                }
            });
            return ProcessorApp.rabbitEnvironment(broker.uri(), in, group, out);
        }

        @Override
        public long afterExit(Outputs outputs) throws Exception {
            // the broker requeues what the process left unacknowledged once it sees its connection close
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (watching.queueDeclarePassive(queue).getConsumerCount() > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("queue " + queue + " still has a consumer 30 s after the exit");
                }
                Thread.sleep(10);
            }
            long left = broker.ready(queue);
            // the sink holds every output: drain it, then cancel; the cancel-ok comes after the last delivery
            while (broker.ready(sink) > 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the harness's consumer did not drain " + sink);
                }
                Thread.sleep(10);
            }
            watching.basicCancel(consumerTag);
            if (!cancelled.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no cancel-ok for the consumer of " + sink);
            }
            return left;
        }

        @Override
        public void cleanUp() throws Exception {
            if (watching != null && watching.isOpen()) {
                watching.close();
            }
            watching = null;
            broker.delete(queues, exchanges);
            queues = List.of();
            exchanges = List.of();
        }

        @Override
        public void close() throws Exception {
            cleanUp();
            connection.close();
            broker.close();
        }
    }
}
