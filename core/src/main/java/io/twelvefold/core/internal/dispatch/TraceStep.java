package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.ProcessorInterceptor;
import org.slf4j.MDC;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/**
 * The framework's outermost step: puts this hop's trace context ({@code traceId}, {@code spanId}),
 * the event id and the channel in the SLF4J MDC for the rest of the chain, so that every later step
 * (the user's interceptors included) logs with them, and removes them after. Left out of the chain
 * when the logging backend ignores the MDC ({@link #wanted()}). Thread-safe.
 */
final class TraceStep implements ProcessorInterceptor {
    private final String channel;
    private final MDCAdapter mdc;

    /**
     * @param channel the channel, for the {@code channel} entry
     * @param mdc the logging backend's MDC ({@link MDC#getMDCAdapter()})
     */
    TraceStep(String channel, MDCAdapter mdc) {
        this.channel = channel;
        this.mdc = mdc;
    }

    /** @return whether the logging backend keeps an MDC; without one the step would cost an attempt for nothing */
    static boolean wanted() {
        return !(MDC.getMDCAdapter() instanceof NOPMDCAdapter);
    }

    @Override
    public void intercept(Chain chain) throws Exception {
        AttemptContext attempt = AttemptChain.attemptOf(chain);
        Trace t = attempt.trace();
        mdc.put("traceId", t.traceId());
        mdc.put("spanId", t.spanId());
        mdc.put("eventId", attempt.event().id());
        mdc.put("channel", channel);
        try {
            chain.proceed();
        } finally {
            mdc.remove("traceId");
            mdc.remove("spanId");
            mdc.remove("eventId");
            mdc.remove("channel");
        }
    }
}
