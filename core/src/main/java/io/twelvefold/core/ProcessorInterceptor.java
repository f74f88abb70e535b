package io.twelvefold.core;

/**
 * A step around every attempt of a processor: tenant context, custom meters, idempotency, an
 * authorisation check, a transaction. Interceptors form a chain; each one calls
 * {@link Chain#proceed()} (at most once) to hand the attempt on, or returns without calling it to
 * finish the attempt as a success without running the rest of the chain (the event is then
 * acknowledged like any processed one, once what the attempt emitted is confirmed: this is how an
 * idempotent consumer skips an event it already processed). An exception thrown by an interceptor
 * fails the attempt like a processor's: it is retried or dead-lettered, and a non-retryable
 * {@link ProcessingException} dead-letters it at once.
 *
 * <p>The framework's own steps are on the same chain, outside the user's. The order of one
 * attempt: trace context and MDC ({@code traceId}, {@code spanId}, {@code eventId},
 * {@code channel}, so every later step logs with them), the processing timer
 * ({@code messaging.process.duration}), the retry decision (which classifies what the inner steps
 * throw), the global interceptors ({@link App.Builder#intercept(ProcessorInterceptor)}) in
 * registration order, the channel's interceptors
 * ({@link App.Builder#intercept(String, ProcessorInterceptor)}) in registration order, then the
 * processor.
 *
 * <p>Interceptors are called concurrently for different keys (up to a channel's concurrency):
 * implementations must be thread-safe. An interceptor runs on the thread of the attempt (see
 * {@link EventProcessor}), before and after the rest of the chain; the context stays open until
 * the outermost step returned, so an interceptor may emit after {@code proceed} returned.
 */
@FunctionalInterface
public interface ProcessorInterceptor {

    /**
     * Intercepts one attempt.
     *
     * @param chain the attempt and the rest of the chain, never null
     * @throws Exception any failure; it fails the attempt
     */
    void intercept(Chain chain) throws Exception;

    /**
     * One attempt as it passes through the chain. Valid only during the {@code intercept} call it was
     * given to. Not thread-safe: an interceptor that runs the rest of the chain on another thread
     * waits for it before it returns.
     */
    interface Chain {

        /** @return the event of this attempt, as the previous interceptors handed it on, never null */
        Event<?> event();

        /** @return the context of this attempt, as the previous interceptors handed it on, never null */
        ProcessorContext context();

        /**
         * Runs the rest of the chain, then the processor, with this event and context.
         *
         * @throws Exception what the rest of the chain or the processor threw
         * @throws IllegalStateException when called a second time, or after the attempt, naming the interceptor
         */
        void proceed() throws Exception;

        /**
         * Runs the rest of the chain with another event (the same payload type) or a decorated
         * context, for instance one whose {@link ProcessorContext#emit} writes to an outbox in the
         * processor's transaction. The later steps see these; this interceptor's own
         * {@link #event()} and {@link #context()} do not change.
         *
         * @param event the event to hand on, never null
         * @param context the context to hand on, never null
         * @throws Exception what the rest of the chain or the processor threw
         * @throws IllegalStateException when called a second time, or after the attempt, naming the interceptor
         * @throws IllegalArgumentException when the event's payload is not of the channel's payload type
         */
        void proceed(Event<?> event, ProcessorContext context) throws Exception;
    }
}
