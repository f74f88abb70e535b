package io.twelvefold.bench.rabbitmq;

import io.twelvefold.bench.ProcStat;
import io.twelvefold.bench.Medians;
import io.twelvefold.bench.Toon;
import io.twelvefold.core.App;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Consume-transform-produce throughput on RabbitMQ: Twelvefold next to a hand-written amqp-client
 * loop ({@link RabbitHandLoop}) with the same guarantees (persistent messages, publisher confirms,
 * the input acknowledged only after its output was confirmed, prefetch 256 = Twelvefold's default
 * max-in-flight) and the same work per event as the Kafka bench (parse the JSON toon, upper-case
 * {@code name}, emit). Both run in this JVM, one after the other.
 *
 * <p>Each round preloads {@code n} events (100 keys) into a fresh input queue of each side, then
 * times from the start of the consumer (the app's {@code start()}, the loop's connect) until all
 * {@code n} outputs are in a sink queue; the side that goes first alternates round by round. One
 * warm-up pass of each side with n/2 events is not counted. Reports per round events/s and the
 * process CPU per event, then the medians and the median of the per-round ratios.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar io.twelvefold.bench.rabbitmq.RabbitLoopBench [events] [rounds]}
 * against {@code TWELVEFOLD_RABBITMQ_URI} (default {@code amqp://localhost:5672}). With
 * {@code -Dbench.broker.pid=<pid>} (a broker on this machine, e.g. {@code $(pgrep -f beam.smp)}) it
 * also reports the broker's CPU time per event of each side, read from {@code /proc/<pid>/stat};
 * {@code -Dbench.only=twelvefold|hand} runs one side only, to profile it.
 */
public final class RabbitLoopBench {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private RabbitLoopBench() {
    }

    private record Result(double perSecond, double cpuMicrosPerEvent, double brokerMicrosPerEvent) {
    }

    /** {@code -Dbench.only=twelvefold} or {@code hand} runs one side only (to profile it). */
    private static final String ONLY = System.getProperty("bench.only", "");
    /** The broker's process, when {@code -Dbench.broker.pid} names it (a local broker): its CPU is read too. */
    private static final long BROKER_PID = Long.getLong("bench.broker.pid", -1);
    private static final long TICKS_PER_SECOND = Long.getLong("bench.clock.ticks", 100);

    /** CPU time of the broker's process so far, in microseconds, or 0 when unknown. */
    private static long brokerCpuMicros() {
        if (BROKER_PID < 0) {
            return 0;
        }
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + BROKER_PID + "/stat"));
            return ProcStat.cpuTicks(stat) * 1_000_000 / TICKS_PER_SECOND;
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the CPU time of bench.broker.pid " + BROKER_PID + ": " + e, e);
        }
    }

    /**
     * Runs the bench.
     *
     * @param args events per round (default 30,000), rounds (default 5)
     * @throws Exception when the broker fails
     */
    public static void main(String[] args) throws Exception {
        // the apps log at warn unless told otherwise
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (RabbitBroker broker = RabbitBroker.fromEnvironment()) {
            System.out.printf("consume-transform-produce, %,d persistent JSON events per round, prefetch %d, %d rounds%n",
                    n, RabbitHandLoop.PREFETCH, rounds);
            twelvefold(broker, n / 2);
            handWritten(broker, n / 2);
            List<Double> tf = new ArrayList<>();
            List<Double> hand = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                Result h;
                Result t;
                if (round % 2 == 1) {
                    h = handWritten(broker, n);
                    t = twelvefold(broker, n);
                } else {
                    t = twelvefold(broker, n);
                    h = handWritten(broker, n);
                }
                tf.add(t.perSecond());
                hand.add(h.perSecond());
                ratios.add(t.perSecond() / h.perSecond());
                System.out.printf("round %d: twelvefold %,.0f events/s (%.0f us CPU/event%s), hand-written %,.0f events/s "
                        + "(%.0f us CPU/event%s), ratio %.2f%n", round, t.perSecond(), t.cpuMicrosPerEvent(),
                        broker(t), h.perSecond(), h.cpuMicrosPerEvent(), broker(h), t.perSecond() / h.perSecond());
            }
            System.out.printf("median: twelvefold %,.0f events/s, hand-written %,.0f events/s, ratio %.2f "
                    + "(median of the rounds' ratios %.2f)%n", median(tf), median(hand), median(tf) / median(hand),
                    median(ratios));
        }
    }

    private static String broker(Result r) {
        return BROKER_PID < 0 ? "" : String.format(", broker %.0f us CPU/event", r.brokerMicrosPerEvent());
    }

    private static double median(List<Double> values) {
        return Medians.of(values, Double::doubleValue);
    }

    private static Result twelvefold(RabbitBroker broker, int n) throws Exception {
        if ("hand".equals(ONLY)) {
            return new Result(Double.NaN, Double.NaN, Double.NaN);
        }
        String in = RabbitBroker.unique("tf-in");
        String out = RabbitBroker.unique("tf-out");
        String group = "bench";
        broker.declareTwelvefoldGroup(in, group);
        String sink = broker.sink(out);
        broker.preload(in, n);
        App app = App.builder()
                .environment(Map.of())
                .config("twelvefold.transport", "rabbitmq")
                .config("twelvefold.name", "bench")
                .config("twelvefold.rabbitmq.uri", broker.uri())
                .config("twelvefold.channels.toons.destination", in)
                .config("twelvefold.channels.toons.group", group)
                .config("twelvefold.channels.toons.max-in-flight", Integer.toString(RabbitHandLoop.PREFETCH))
                .config("twelvefold.channels.shouted.destination", out)
                .processor("toons", Toon.class, (event, ctx) -> ctx.emit("shouted", event.data().shouted()))
                .output("shouted")
                .build();
        long cpu0 = OS.getProcessCpuTime();
        long broker0 = brokerCpuMicros();
        long t0 = System.nanoTime();
        app.start();
        broker.awaitReady(sink, n);
        long nanos = System.nanoTime() - t0;
        double cpu = (OS.getProcessCpuTime() - cpu0) / 1e3 / n;
        double brokerCpu = (brokerCpuMicros() - broker0) / (double) n;
        app.close();
        broker.delete(List.of(in + "." + group, in + ".dlq." + group, sink), List.of(in, in + ".dlq", out));
        return new Result(n / (nanos / 1e9), cpu, brokerCpu);
    }

    private static Result handWritten(RabbitBroker broker, int n) throws Exception {
        if ("twelvefold".equals(ONLY)) {
            return new Result(Double.NaN, Double.NaN, Double.NaN);
        }
        String in = RabbitBroker.unique("hand-in");
        String out = RabbitBroker.unique("hand-out");
        String queue = in + ".hand";
        broker.declareHandQueue(in, queue);
        String sink = broker.sink(out);
        broker.preload(in, n);
        long cpu0 = OS.getProcessCpuTime();
        long broker0 = brokerCpuMicros();
        long t0 = System.nanoTime();
        RabbitHandLoop loop = RabbitHandLoop.start(broker.uri(), in, queue, out);
        broker.awaitReady(sink, n);
        long nanos = System.nanoTime() - t0;
        double cpu = (OS.getProcessCpuTime() - cpu0) / 1e3 / n;
        double brokerCpu = (brokerCpuMicros() - broker0) / (double) n;
        loop.close();
        broker.delete(List.of(queue, sink), List.of(in, out));
        return new Result(n / (nanos / 1e9), cpu, brokerCpu);
    }
}
