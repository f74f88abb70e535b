package io.twelvefold.bench;

import io.twelvefold.core.spi.OutgoingMessage;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor to compare {@link PassThroughBenchmark} with: the same batch of pre-built messages
 * handed from the benchmark thread to one consumer thread through a bare
 * {@link ArrayBlockingQueue}; the consumer only counts, and the invocation returns when it has
 * counted them all. No ordering per key, no acknowledgement, no metrics: what any thread hand-off
 * costs on this machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(Bench.BATCH)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class BaselineBenchmark {
    private static final Object STOP = new Object();

    /** The queue's bound; 256 is the dispatcher's default max-in-flight. */
    @Param({"256"})
    public int capacity;

    private final Completion completion = new Completion();
    private BlockingQueue<Object> queue;
    private Thread consumer;
    private OutgoingMessage[] messages;

    @Setup(Level.Trial)
    public void start() {
        messages = Bench.messages(1, "bytes");
        queue = new ArrayBlockingQueue<>(capacity);
        consumer = new Thread(this::consume, "baseline-consumer");
        consumer.setDaemon(true);
        consumer.start();
    }

    private void consume() {
        try {
            while (queue.take() != STOP) {
                completion.arrive();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Benchmark
    public long handOff() throws InterruptedException {
        OutgoingMessage[] m = messages;
        int n = m.length;
        completion.expect(Bench.BATCH);
        for (int i = 0; i < Bench.BATCH; i++) {
            queue.put(m[i % n]);
        }
        return completion.await(Bench.BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        queue.put(STOP);
        consumer.join(TimeUnit.SECONDS.toMillis(10));
    }
}
