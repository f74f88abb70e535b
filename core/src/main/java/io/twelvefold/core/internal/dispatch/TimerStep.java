package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.ProcessorInterceptor;

/**
 * The framework's processing timer ({@code messaging.process.duration}): an attempt is timed from
 * its start (the decoding of its event included) until its outcome is known, that is until the
 * broker confirmed what it emitted, and recorded as a success or a failure (the chain threw, or an
 * output was refused). The step marks the attempt as timed; the runner reports the outcome when it
 * is known ({@link AttemptContext#settled}), on whichever thread learns it. Thread-safe.
 */
final class TimerStep implements ProcessorInterceptor {
    private final ChannelMetrics metrics;

    TimerStep(ChannelMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void intercept(Chain chain) throws Exception {
        AttemptChain.attemptOf(chain).timeWith(this);
        chain.proceed();
    }

    /** Records an attempt that started at {@code startNanos} and just settled. */
    void record(long startNanos, boolean ok) {
        metrics.processed(startNanos, ok);
    }
}
