package io.twelvefold.core.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessorInterceptor;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.TransportProvider;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything an app declared in code on its builder. Immutable.
 *
 * @param name the default of {@code twelvefold.name}, or null for the built-in default
 * @param processors the processors
 * @param outputs the output channels
 * @param nonRetryable exception types never retried
 * @param config configuration overrides
 * @param environment the environment variables to read
 * @param transportProvider an explicit provider, or null to use the ServiceLoader
 * @param meterRegistry the registry, or null for a new simple one
 * @param codec the codec, or null for {@link Codec#json()}
 * @param startHooks run after start, in order, on the starting thread
 * @param stopHooks run at the end of a stop, in reverse order
 * @param interceptors around every channel's attempts, in order
 * @param channelInterceptors by channel, around its attempts after the global ones, in order
 * @param extensions what modules add to the app, in registration order
 */
public record Declaration(String name, List<ProcessorBinding<?>> processors, Set<String> outputs,
        List<Class<? extends Throwable>> nonRetryable, Map<String, String> config, Map<String, String> environment,
        TransportProvider transportProvider, MeterRegistry meterRegistry, Codec codec, List<Runnable> startHooks,
        List<Runnable> stopHooks, List<ProcessorInterceptor> interceptors,
        Map<String, List<ProcessorInterceptor>> channelInterceptors, List<Extension> extensions) {

    /**
     * A processor declared for a channel.
     *
     * @param channel the channel
     * @param type the payload class
     * @param processor the processor
     * @param <T> the payload type
     */
    public record ProcessorBinding<T>(String channel, Class<T> type, EventProcessor<T> processor) {
    }

    /** @return every declared channel: the processors' channels, then the outputs */
    Set<String> channels() {
        Set<String> channels = new LinkedHashSet<>();
        for (ProcessorBinding<?> p : processors) {
            channels.add(p.channel());
        }
        channels.addAll(outputs);
        return channels;
    }

    /** @return the codec of every channel */
    Codec codecOrDefault() {
        return codec != null ? codec : Codec.json();
    }
}
