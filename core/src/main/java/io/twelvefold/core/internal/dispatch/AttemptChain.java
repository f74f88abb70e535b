package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.ProcessorInterceptor;
import java.util.Objects;

/**
 * One attempt's walk through the {@link Steps} of its channel: a single object, whatever the
 * number of interceptors. Each interceptor may call {@code proceed} at most once; a second call,
 * or a call after the attempt, throws {@link IllegalStateException} naming the interceptor.
 *
 * <p>Calls nest (an interceptor's {@code proceed} returns when the rest of the chain returned), so
 * the interceptor calling {@code proceed} is always the innermost one running, {@link #current}; it
 * proceeded before exactly when the step after it was started, {@link #started} &gt; {@code current}.
 * Not thread-safe: an interceptor that hands the attempt to another thread waits for it.
 */
final class AttemptChain implements ProcessorInterceptor.Chain {
    private final Steps<?> steps;
    private final AttemptContext attempt;
    private Event<?> event;
    private ProcessorContext context;
    /** The step whose call is the innermost one running. */
    private int current;
    /** The furthest step started so far. */
    private int started;
    private boolean finished;

    private AttemptChain(Steps<?> steps, AttemptContext attempt) {
        this.steps = steps;
        this.attempt = attempt;
        this.event = attempt.event();
        this.context = attempt;
    }

    /**
     * Runs the steps for one attempt, on the calling thread.
     *
     * @throws Exception what a step threw
     */
    static void run(Steps<?> steps, AttemptContext attempt) throws Exception {
        AttemptChain chain = new AttemptChain(steps, attempt);
        try {
            steps.run(0, chain);
        } finally {
            chain.finished = true;
        }
    }

    /**
     * The framework's context of the attempt, for the framework's steps (which run before any
     * interceptor can hand on another context).
     */
    static AttemptContext attemptOf(ProcessorInterceptor.Chain chain) {
        return ((AttemptChain) chain).attempt;
    }

    @Override
    public Event<?> event() {
        return event;
    }

    @Override
    public ProcessorContext context() {
        return context;
    }

    @Override
    public void proceed() throws Exception {
        proceed(event, context);
    }

    @Override
    public void proceed(Event<?> next, ProcessorContext nextContext) throws Exception {
        Objects.requireNonNull(next, "event");
        Objects.requireNonNull(nextContext, "context");
        int i = current;
        check(i);
        if (next != event) {
            steps.checkPayload(i, next);
        }
        Event<?> handedEvent = event;
        ProcessorContext handedContext = context;
        event = next;
        context = nextContext;
        started = i + 1;
        current = i + 1;
        try {
            steps.run(i + 1, this);
        } finally {
            current = i;
            event = handedEvent;
            context = handedContext;
        }
    }

    /** Step {@code i} may proceed: the attempt is on, it is an interceptor, and it did not proceed before. */
    private void check(int i) {
        if (finished) {
            throw new IllegalStateException("A chain of channel '" + steps.channel() + "' was used after its attempt "
                    + "finished, was attempt " + attempt.attempt() + " of event '" + attempt.event().id() + "'; call "
                    + "proceed only during intercept");
        }
        if (i >= steps.size()) {
            throw new IllegalStateException(steps.describe(i) + " called proceed, was attempt " + attempt.attempt()
                    + " of event '" + attempt.event().id() + "'; only interceptors proceed");
        }
        if (started > i) {
            throw new IllegalStateException(steps.describe(i) + " called proceed a second time, was attempt "
                    + attempt.attempt() + " of event '" + attempt.event().id() + "'; call proceed at most once");
        }
    }
}
