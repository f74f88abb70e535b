package io.twelvefold.core;

import java.time.Instant;
import java.util.Map;

/**
 * What a processor knows about the attempt in progress, and how it emits events.
 *
 * <p><b>Lifetime.</b> A context belongs to one attempt: it is open from the start of the attempt
 * until the processor and every {@link ProcessorInterceptor} around it returned, then closed.
 * Events emitted through it are sent at once and the input event is acknowledged only after every
 * one of them was confirmed; if a send fails, the attempt fails and is retried (so an output can be
 * sent more than once: at-least-once). {@link #emit} on a closed context throws
 * {@link IllegalStateException}: an event emitted after the attempt could not be awaited before
 * the input is acknowledged. The other methods keep answering after the attempt.
 *
 * <p><b>Threads.</b> The processor is called on a worker thread of its channel, or on the
 * transport's delivery thread when attempts are short (see {@code inline-below}). While the context
 * is open, any thread may use it: a processor may hand work to other threads and emit from them,
 * provided it waits for them before it returns; their events are awaited like its own. Sends of one
 * attempt are made one at a time, in the order the {@code emit} calls reach the context (calls from
 * several threads at once are serialised).
 *
 * <p><b>Decorating.</b> An interceptor that hands on a changed context
 * ({@link ProcessorInterceptor.Chain#proceed(Event, ProcessorContext)}) extends
 * {@link ForwardingProcessorContext}, so that it keeps working when this interface grows.
 */
public interface ProcessorContext {

    /** @return the name of the channel being processed, never null */
    String channel();

    /**
     * The consumer group this channel's events are delivered to (the channel's {@code group}, by
     * default {@code twelvefold.name}): what "already processed" is relative to, for an idempotent
     * consumer.
     *
     * @return the group, never null
     */
    String group();

    /** @return the attempt number, 1 for the first attempt */
    int attempt();

    /** @return the maximum number of attempts for this channel (at least 1) */
    int maxAttempts();

    /**
     * When this attempt should be finished ({@code processing-timeout} after it started). Not
     * enforced by interruption: a processor calling a slow backing service should use it as its
     * own timeout.
     *
     * @return the deadline, never null
     */
    Instant deadline();

    /** @return the input event's headers, immutable, never null */
    Map<String, String> headers();

    /**
     * The W3C {@code traceparent} of this processing step: the input event's trace id (or a new
     * trace when the input carried none) and a new span id for this step. Every event emitted
     * through this context carries it (and the input's {@code tracestate}), unless the emitted
     * event sets its own. While the processor runs, the SLF4J MDC holds {@code traceId},
     * {@code spanId}, {@code eventId} and {@code channel} for log lines.
     *
     * @return the traceparent, never null
     */
    String traceParent();

    /**
     * The event {@link #emit(String, Object)} would send for a payload: a new id, the channel's
     * {@code type} and {@code source} (by default the payload class as a reverse-DNS name and
     * {@code /<twelvefold.name>}), the input event's key and the current time. Sends nothing; for
     * decorators that store or change events before they go out.
     *
     * @param channel an output channel declared on the application, never null
     * @param payload the payload, never null
     * @param <U> the payload type
     * @return the event, never null
     * @throws TwelvefoldException when the channel is not declared as an output
     */
    <U> Event<U> newEvent(String channel, U payload);

    /**
     * Emits a payload on a channel, as {@link #newEvent} makes it: a new id, the channel's
     * {@code type} and {@code source}, and the input event's key.
     *
     * @param channel an output channel declared on the application, never null
     * @param payload the payload, never null
     * @throws TwelvefoldException when the channel is not declared as an output
     * @throws IllegalStateException when the attempt is over (the processor and its interceptors returned)
     */
    void emit(String channel, Object payload);

    /**
     * Emits an event on a channel, as built by the caller (its key, type, headers).
     *
     * @param channel an output channel declared on the application, never null
     * @param event the event, never null
     * @throws TwelvefoldException when the channel is not declared as an output
     * @throws IllegalStateException when the attempt is over (the processor and its interceptors returned)
     */
    void emit(String channel, Event<?> event);
}
