package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.Event;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.ProcessorInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The processing chain of one channel, in order: the framework's steps, the user's global
 * interceptors, the user's channel interceptors, and the processor at the end. Immutable and
 * thread-safe; an attempt walks it with an {@link AttemptChain}.
 *
 * @param <T> the payload type
 */
final class Steps<T> {
    private final String channel;
    private final Class<T> type;
    private final EventProcessor<T> processor;
    private final ProcessorInterceptor[] interceptors;
    /** How many of {@link #interceptors} are the framework's own, at the start. */
    private final int framework;

    /**
     * @param framework the framework's steps, outermost first
     * @param user the user's interceptors, global ones first
     */
    Steps(String channel, Class<T> type, EventProcessor<T> processor, List<ProcessorInterceptor> framework,
            List<ProcessorInterceptor> user) {
        this.channel = channel;
        this.type = type;
        this.processor = processor;
        List<ProcessorInterceptor> all = new ArrayList<>(framework);
        all.addAll(user);
        this.interceptors = all.toArray(new ProcessorInterceptor[0]);
        this.framework = framework.size();
    }

    /** @return the number of interceptors; the processor comes after them */
    int size() {
        return interceptors.length;
    }

    String channel() {
        return channel;
    }

    /** Runs step {@code i}: an interceptor, or the processor when {@code i} is {@link #size()}. */
    void run(int i, AttemptChain chain) throws Exception {
        if (i < interceptors.length) {
            interceptors[i].intercept(chain);
        } else {
            process(chain.event(), chain.context());
        }
    }

    @SuppressWarnings("unchecked")
    private void process(Event<?> event, ProcessorContext context) throws Exception {
        // the payload type was checked when an interceptor handed on another event
        processor.process((Event<T>) event, context);
    }

    /**
     * Checks an event an interceptor hands on instead of the one it got.
     *
     * @throws IllegalArgumentException when its payload is not of the channel's payload type
     */
    void checkPayload(int from, Event<?> event) {
        Object data = event.data();
        if (data != null && !type.isInstance(data)) {
            throw new IllegalArgumentException(describe(from) + " handed on an event with a payload of another type, "
                    + "was '" + data.getClass().getName() + "'; hand on an event whose payload is a '" + type.getName()
                    + "', the payload type of channel '" + channel + "'");
        }
    }

    /** For messages: which interceptor step {@code i} is. */
    String describe(int i) {
        if (i >= interceptors.length) {
            return "The processor of channel '" + channel + "'";
        }
        String kind = i < framework ? "Framework step" : "Interceptor";
        int position = i < framework ? i + 1 : i - framework + 1;
        return kind + " '" + interceptors[i].getClass().getName() + "' (" + position + " of "
                + (i < framework ? framework : interceptors.length - framework) + " on channel '" + channel + "')";
    }

    /**
     * Checks that every channel with interceptors of its own has a processor.
     *
     * @param byChannel the channel interceptors, by channel
     * @param processors the channels that have a processor
     * @throws IllegalArgumentException naming the channels without one
     */
    static void checkChannels(Map<String, List<ProcessorInterceptor>> byChannel, Set<String> processors) {
        Set<String> orphans = new TreeSet<>(byChannel.keySet());
        orphans.removeAll(processors);
        if (orphans.isEmpty()) {
            return;
        }
        if (orphans.size() == 1) {
            String channel = orphans.iterator().next();
            throw new IllegalArgumentException("Channel '" + channel + "' has interceptors but no processor, was "
                    + "intercept(\"" + channel + "\", ...) with processors declared for " + new TreeSet<>(processors)
                    + "; declare its processor with processor(\"" + channel + "\", type, processor), or register the "
                    + "interceptor for every channel with intercept(interceptor)");
        }
        throw new IllegalArgumentException("Channels " + orphans + " have interceptors but no processor, was "
                + "intercept(channel, ...) with processors declared for " + new TreeSet<>(processors)
                + "; declare their processors with processor(channel, type, processor), or register the "
                + "interceptors for every channel with intercept(interceptor)");
    }
}
