package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.internal.ChannelSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The framework's {@link ProcessorContext} of one attempt: what the processor and the interceptors
 * see, the sends they made, and what the framework's own steps leave for the runner (the retry
 * decision's verdict, the processing timer).
 *
 * <p>Open from the start of the attempt until the whole chain returned; then {@link #close()}d, and
 * {@link #emit} throws. Emitting is thread-safe: the sends of one attempt are made one at a time, in
 * the order the calls took this context's monitor, and {@link #close()} waits for a send in
 * progress, so every send made before the attempt ended is awaited before the input is acknowledged.
 * The other methods may be called from any thread at any time.
 */
final class AttemptContext implements ProcessorContext {
    private final Event<?> event;
    private final int attempt;
    private final long startNanos;
    private final ChannelSettings settings;
    private final Outputs outputs;
    /** This hop's trace context, made when first needed: most pass-through steps never need it. Guarded by this. */
    private Trace trace;
    /** Guarded by this; read after {@link #close()} by the thread that closed it. */
    private List<CompletableFuture<Void>> sends;
    /** Guarded by this. */
    private boolean closed;
    /** Set by the retry decision on the thread of the attempt; read by the runner after the chain. */
    private RetryPolicy.Verdict verdict;
    /** Set by the processing timer step on the thread of the attempt, before the attempt settles. */
    private TimerStep timer;

    AttemptContext(Event<?> event, int attempt, long startNanos, ChannelSettings settings, Outputs outputs) {
        this.event = event;
        this.attempt = attempt;
        this.startNanos = startNanos;
        this.settings = settings;
        this.outputs = outputs;
    }

    /** The input event, as the attempt started with it. */
    Event<?> event() {
        return event;
    }

    long startNanos() {
        return startNanos;
    }

    synchronized Trace trace() {
        if (trace == null) {
            trace = Trace.hop(event.headers());
        }
        return trace;
    }

    /** Ends the attempt: {@link #emit} throws from now on; waits for a send in progress on another thread. */
    synchronized void close() {
        closed = true;
    }

    /** @return the futures of the sends made during the attempt, or null for none; after {@link #close()} */
    List<CompletableFuture<Void>> sends() {
        return sends;
    }

    void verdict(RetryPolicy.Verdict v) {
        this.verdict = v;
    }

    /** @return the retry decision's verdict on a failed chain, or null when the chain failed outside it */
    RetryPolicy.Verdict verdict() {
        return verdict;
    }

    /** The processing timer records this attempt when it settles. */
    void timeWith(TimerStep step) {
        this.timer = step;
    }

    /** The outcome is known (once per attempt): the processing timer records it. */
    void settled(boolean ok) {
        TimerStep t = timer;
        if (t != null) {
            t.record(startNanos, ok);
        }
    }

    @Override
    public String traceParent() {
        return trace().traceParent();
    }

    @Override
    public String channel() {
        return settings.channel();
    }

    @Override
    public String group() {
        return settings.group();
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public int maxAttempts() {
        return settings.maxAttempts();
    }

    @Override
    public Instant deadline() {
        long elapsed = System.nanoTime() - startNanos;
        return Instant.now().plusNanos(settings.processingTimeout().toNanos() - elapsed);
    }

    @Override
    public Map<String, String> headers() {
        return event.headers();
    }

    @Override
    public <U> Event<U> newEvent(String channel, U payload) {
        return outputs.newEvent(channel, payload, event.key().orElse(null));
    }

    @Override
    public void emit(String channel, Object payload) {
        emit(channel, newEvent(channel, payload));
    }

    @Override
    public synchronized void emit(String channel, Event<?> out) {
        if (closed) {
            throw new IllegalStateException("Processor context of channel '" + settings.channel() + "' is closed, "
                    + "was used to emit on '" + channel + "' after attempt " + attempt + " of event '" + event.id()
                    + "' finished; emit before process (and every interceptor) returns, and wait for other threads "
                    + "that emit");
        }
        CompletableFuture<Void> f = outputs.send(channel, out, trace());
        if (sends == null) {
            sends = new ArrayList<>(2);
        }
        sends.add(f);
    }
}
