package io.twelvefold.core;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Processes the events of one channel.
 *
 * <p>The runtime calls {@link #process} for one event at a time per partition key, and for
 * different keys concurrently up to the channel's {@code concurrency}: an implementation must be
 * thread-safe unless the concurrency is 1. It is called on a worker thread of the channel, or on
 * the transport's delivery thread when attempts are short ({@code inline-below}), inside the
 * {@link ProcessorInterceptor}s of the channel. An event is acknowledged only after this method
 * returned normally and every event emitted through {@link ProcessorContext#emit} was confirmed
 * by the broker; emit before returning (the context is closed after). An exception is retried
 * with backoff up to the channel's {@code max-attempts}, then the event goes to the dead-letter
 * destination; see {@link ProcessingException} for errors that must not be retried. Delivery is
 * at-least-once: make processing idempotent.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface EventProcessor<T> {

    /**
     * Processes one event.
     *
     * @param event the event, never null
     * @param context the context of this attempt, never null
     * @throws Exception any failure; it is retried unless it is non-retryable
     */
    void process(Event<T> event, ProcessorContext context) throws Exception;

    /**
     * A processor that consumes payloads and emits nothing.
     *
     * @param sink called with each payload, never null
     * @param <T> the payload type
     * @return a processor, never null
     */
    static <T> EventProcessor<T> sink(Consumer<? super T> sink) {
        Objects.requireNonNull(sink, "sink");
        return (event, context) -> sink.accept(event.data());
    }

    /**
     * A processor that maps each payload to one output payload emitted on {@code outputChannel},
     * with the input's key. A null result emits nothing.
     *
     * @param outputChannel the channel to emit on, never null
     * @param mapper maps an input payload to an output payload, never null
     * @param <T> the input payload type
     * @return a processor, never null
     */
    static <T> EventProcessor<T> map(String outputChannel, Function<? super T, ?> mapper) {
        Objects.requireNonNull(outputChannel, "outputChannel");
        Objects.requireNonNull(mapper, "mapper");
        return (event, context) -> {
            Object out = mapper.apply(event.data());
            if (out != null) {
                context.emit(outputChannel, out);
            }
        };
    }

    /**
     * A content-based router, the simplest mediator: sends each event, unchanged (its id, key,
     * attributes and headers), to the output channel {@code router} picks for its payload. A payload
     * that cannot be routed is an error no retry fixes: throw
     * {@link ProcessingException#fatal(String)} from {@code router} (or return null) and the event
     * is dead-lettered with the reason.
     *
     * @param router picks the output channel of a payload, never null
     * @param <T> the payload type
     * @return a processor, never null
     */
    static <T> EventProcessor<T> route(Function<? super T, String> router) {
        Objects.requireNonNull(router, "router");
        return (event, context) -> {
            String channel = router.apply(event.data());
            if (channel == null) {
                throw ProcessingException.fatal("No route for event " + event.id() + " of type '" + event.type()
                        + "' on channel '" + context.channel() + "'");
            }
            context.emit(channel, event);
        };
    }
}
