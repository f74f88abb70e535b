package io.twelvefold.core.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The engine behind {@link App}. */
public final class Runtime {

    /** A processor declared for a channel. */
    public record ProcessorBinding<T>(String channel, Class<T> type, EventProcessor<T> processor) {
    }

    /** Everything declared in code on the builder. */
    public record Declaration(List<ProcessorBinding<?>> processors, Set<String> outputs,
            List<Class<? extends Throwable>> nonRetryable, Map<String, String> config,
            Map<String, String> environment, TransportProvider transportProvider,
            MeterRegistry meterRegistry, Codec codec) {
    }

    public static Runtime create(Declaration declaration) {
        throw new UnsupportedOperationException("not yet");
    }

    public static void runMain(Supplier<App> builder) {
        throw new UnsupportedOperationException("not yet");
    }

    public void start() {
    }

    public EventPublisher publisher() {
        return null;
    }

    public void close() {
    }

    public void awaitTermination() throws InterruptedException {
    }
}
