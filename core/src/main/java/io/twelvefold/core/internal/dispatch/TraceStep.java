package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.ProcessorInterceptor;
import org.slf4j.MDC;
import org.slf4j.helpers.NOPMDCAdapter;

/**
 * The framework's outermost step: puts this hop's trace context ({@code traceId}, {@code spanId}),
 * the event id and the channel in the SLF4J MDC for the rest of the chain, so that every later step
 * (the user's interceptors included) logs with them, and removes them after. Left out of the chain
 * when the logging backend ignores the MDC. Stateless and thread-safe.
 */
final class TraceStep implements ProcessorInterceptor {
    /** Whether the logging backend keeps an MDC: otherwise the step costs an attempt nothing. */
    static final boolean MDC_ON = !(MDC.getMDCAdapter() instanceof NOPMDCAdapter);

    private final String channel;

    TraceStep(String channel) {
        this.channel = channel;
    }

    @Override
    public void intercept(Chain chain) throws Exception {
        AttemptContext attempt = AttemptChain.attemptOf(chain);
        Trace t = attempt.trace();
        MDC.put("traceId", t.traceId());
        MDC.put("spanId", t.spanId());
        MDC.put("eventId", attempt.event().id());
        MDC.put("channel", channel);
        try {
            chain.proceed();
        } finally {
            MDC.remove("traceId");
            MDC.remove("spanId");
            MDC.remove("eventId");
            MDC.remove("channel");
        }
    }
}
