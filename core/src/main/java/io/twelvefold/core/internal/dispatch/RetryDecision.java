package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.ProcessorInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framework's innermost step, right around the user's interceptors and the processor: decides
 * what a failure of the rest of the chain leads to ({@link RetryPolicy}): another attempt after a
 * backoff (in the process or on the broker), or a dead letter. It sees what the user's
 * interceptors throw, so an interceptor can make a failure final ({@code ProcessingException.fatal})
 * or translate the processor's exception. The exception goes on unchanged to the outer steps; the
 * runner applies the verdict. Thread-safe.
 */
final class RetryDecision implements ProcessorInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RetryDecision.class);

    private final RetryPolicy policy;
    private final String channel;

    RetryDecision(RetryPolicy policy, String channel) {
        this.policy = policy;
        this.channel = channel;
    }

    @Override
    public void intercept(Chain chain) throws Exception {
        try {
            chain.proceed();
        } catch (Throwable e) {
            if (!(e instanceof VirtualMachineError)) {
                AttemptContext attempt = AttemptChain.attemptOf(chain);
                RetryPolicy.Verdict v = policy.decide(attempt.attempt(), e);
                attempt.verdict(v);
                if (v.deadLetterReason() == null && LOG.isDebugEnabled()) {
                    LOG.debug("Channel '{}': attempt {} of event {} failed, retrying in {} ms{}: {}", channel,
                            attempt.attempt(), attempt.event().id(), v.delayNanos() / 1_000_000,
                            v.toBroker() ? " on the broker" : "", e.toString());
                }
            }
            throw e;
        }
    }
}
