package io.twelvefold.core;

/**
 * A step around every attempt of a processor: tenant context, custom meters, idempotency, an
 * authorisation check. Interceptors form a chain; each one calls {@link Chain#proceed()} (at most
 * once) to hand the attempt on, or returns without calling it to finish the attempt as a success
 * without running the rest of the chain (the event is then acknowledged like any processed one).
 * An exception thrown by an interceptor fails the attempt like a processor's: it is retried or
 * dead-lettered.
 *
 * <p>The framework builds its own cross-cutting steps (trace context and MDC, meters, the retry
 * decision) on this chain; see the delivery documentation for their order. Register interceptors
 * with {@link App.Builder#intercept(ProcessorInterceptor)} (every channel) or
 * {@link App.Builder#intercept(String, ProcessorInterceptor)} (one channel); they run in
 * registration order, the channel-wide ones after the global ones.
 *
 * <p>Interceptors are called concurrently for different keys (up to a channel's concurrency):
 * implementations must be thread-safe. An interceptor runs on the thread of the attempt, before
 * and after the processor.
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

    /** One attempt as it passes through the chain. Valid only during the {@code intercept} call it was given to. */
    interface Chain {

        /** @return the event of this attempt, as the previous interceptors handed it on, never null */
        Event<?> event();

        /** @return the context of this attempt, as the previous interceptors handed it on, never null */
        ProcessorContext context();

        /**
         * Runs the rest of the chain, then the processor, with this event and context.
         *
         * @throws Exception what the rest of the chain or the processor threw
         * @throws IllegalStateException when called a second time
         */
        void proceed() throws Exception;

        /**
         * Runs the rest of the chain with another event (the same payload type) or a decorated
         * context, for instance one whose {@link ProcessorContext#emit} writes to an outbox.
         *
         * @param event the event to hand on, never null
         * @param context the context to hand on, never null
         * @throws Exception what the rest of the chain or the processor threw
         * @throws IllegalStateException when called a second time
         */
        void proceed(Event<?> event, ProcessorContext context) throws Exception;
    }
}
