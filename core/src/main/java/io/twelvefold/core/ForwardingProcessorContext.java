package io.twelvefold.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link ProcessorContext} that hands every call to another one: the base of a context an
 * interceptor decorates (to send emitted events elsewhere, to add headers), overriding only what
 * it changes. Methods added to {@code ProcessorContext} later are forwarded here, so a decorator
 * keeps compiling and working.
 *
 * <pre>{@code
 * chain.proceed(chain.event(), new ForwardingProcessorContext(chain.context()) {
 *     @Override
 *     public void emit(String channel, Event<?> event) {
 *         super.emit(channel, event.toBuilder().header("tenant", tenant).build());
 *     }
 * });
 * }</pre>
 *
 * <p>{@link #emit(String, Object)} builds the event the delegate would ({@link #newEvent}) and
 * hands it to {@link #emit(String, Event)}, so overriding the latter covers both.
 */
public abstract class ForwardingProcessorContext implements ProcessorContext {
    private final ProcessorContext delegate;

    /**
     * @param delegate the context calls are handed to, never null
     */
    protected ForwardingProcessorContext(ProcessorContext delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return the context calls are handed to, never null */
    protected ProcessorContext delegate() {
        return delegate;
    }

    @Override
    public String channel() {
        return delegate.channel();
    }

    @Override
    public String group() {
        return delegate.group();
    }

    @Override
    public int attempt() {
        return delegate.attempt();
    }

    @Override
    public int maxAttempts() {
        return delegate.maxAttempts();
    }

    @Override
    public Instant deadline() {
        return delegate.deadline();
    }

    @Override
    public Map<String, String> headers() {
        return delegate.headers();
    }

    @Override
    public String traceParent() {
        return delegate.traceParent();
    }

    @Override
    public <U> Event<U> newEvent(String channel, U payload) {
        return delegate.newEvent(channel, payload);
    }

    /** Builds the event with {@link #newEvent} and emits it with {@link #emit(String, Event)}. */
    @Override
    public void emit(String channel, Object payload) {
        emit(channel, newEvent(channel, payload));
    }

    @Override
    public void emit(String channel, Event<?> event) {
        delegate.emit(channel, event);
    }
}
