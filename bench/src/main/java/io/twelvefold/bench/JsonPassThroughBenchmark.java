package io.twelvefold.bench;

import io.twelvefold.core.Codec;
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
 * {@link PassThroughBenchmark} with the default {@link Codec#json()} decoding a small record
 * ({@code {"id":"key-3","sequence":3}}) for every event: the difference is what the codec costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(Bench.BATCH)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
public class JsonPassThroughBenchmark {

    /** Distinct partition keys, published round-robin. */
    @Param({"1", "8", "64"})
    public int keys;

    /** The channel's concurrency; 8 is the default. */
    @Param({"8"})
    public int concurrency;

    private Pipeline pipeline;

    @Setup(Level.Trial)
    public void start() {
        pipeline = new Pipeline(keys, concurrency, "json");
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
