package io.twelvefold.bench;

import io.twelvefold.core.Codec;
import io.twelvefold.core.spi.Publisher;
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
 * Throughput of the dispatcher and the in-memory transport for a processor that only counts,
 * with {@code byte[]} payloads ({@link Codec#bytes()}), so no JSON work.
 *
 * <p>One invocation publishes {@link Bench#BATCH} pre-built messages through a raw transport
 * {@link Publisher} on the same named in-memory broker (round-robin over {@code keys} partition
 * keys) and returns when the processor has seen all of them: the score is events per second end
 * to end (publish, broker, subscription, dispatcher lanes and workers, envelope, processor,
 * acknowledgement). Compare with {@link BaselineBenchmark} from the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(Bench.BATCH)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class PassThroughBenchmark {

    /** Distinct partition keys, published round-robin. */
    @Param({"1", "8", "64"})
    public int keys;

    /** The channel's concurrency (how many keys run at once); 8 is the default. */
    @Param({"8", "1"})
    public int concurrency;

    private Pipeline pipeline;

    @Setup(Level.Trial)
    public void start() {
        pipeline = new Pipeline(keys, concurrency, "bytes");
    }

    @Benchmark
    public long passThrough() {
        return pipeline.batch();
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }
}
