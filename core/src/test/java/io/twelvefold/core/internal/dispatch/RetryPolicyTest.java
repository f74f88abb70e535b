package io.twelvefold.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.SubscriptionRequest;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final long MS = 1_000_000;

    /** backoff 10 ms doubling up to 50 ms, 4 attempts, broker from 40 ms */
    private static ChannelSettings settings(double jitter) {
        return new ChannelSettings("c", "dest", "g", 1, 10, 4, Duration.ofMillis(10), Duration.ofMillis(50), 2.0, jitter,
                "dest.dlq", 1 << 20, Duration.ofSeconds(30), Duration.ofMillis(40));
    }

    private final RetryPolicy policy = new RetryPolicy(settings(0), List.of(UncheckedIOException.class));

    @Test
    @DisplayName("the backoff grows by the multiplier up to backoff.max")
    void backoff() {
        assertThat(policy.backoffNanos(2)).isEqualTo(10 * MS);
        assertThat(policy.backoffNanos(3)).isEqualTo(20 * MS);
        assertThat(policy.backoffNanos(4)).isEqualTo(40 * MS);
        assertThat(policy.backoffNanos(5)).isEqualTo(50 * MS);
        assertThat(policy.backoffNanos(60)).isEqualTo(50 * MS);
    }

    @Test
    @DisplayName("a failure is retried in the process below broker-delay-from, on the broker from it, and dead-lettered after max-attempts")
    void verdicts() {
        IllegalStateException boom = new IllegalStateException("boom");
        assertThat(policy.decide(1, boom)).isEqualTo(new RetryPolicy.Verdict(null, 10 * MS, false));
        assertThat(policy.decide(2, boom)).isEqualTo(new RetryPolicy.Verdict(null, 20 * MS, false));
        assertThat(policy.decide(3, boom)).isEqualTo(new RetryPolicy.Verdict(null, 40 * MS, true));
        assertThat(policy.decide(4, boom)).isEqualTo(new RetryPolicy.Verdict("exhausted", 0, false));
    }

    @Test
    @DisplayName("non-retryable errors are dead-lettered at once: a fatal ProcessingException, a declared type or its subtype, a poison message")
    void nonRetryable() {
        assertThat(policy.decide(1, ProcessingException.fatal("no")).deadLetterReason()).isEqualTo("fatal");
        assertThat(policy.decide(1, new UncheckedIOException(new java.io.IOException("disk")))
                .deadLetterReason()).isEqualTo("fatal");
        assertThat(policy.decide(1, new PoisonException("undecodable", "not json", null)).deadLetterReason())
                .isEqualTo("undecodable");
        assertThat(policy.decide(0, new PoisonException("oversize", "too big", null)).deadLetterReason())
                .isEqualTo("oversize");
        assertThat(policy.retryable(new ProcessingException("try again", null))).isTrue();
    }

    @Test
    @DisplayName("once the transport showed it cannot redeliver later, every retry waits in the process; said once")
    void brokerUnsupported() {
        assertThat(policy.brokerUnsupported()).isTrue();
        assertThat(policy.brokerUnsupported()).isFalse();
        assertThat(policy.decide(3, new IllegalStateException()).toBroker()).isFalse();
    }

    @Test
    @DisplayName("jitter spreads the delay within ± backoff.jitter")
    void jitter() {
        RetryPolicy jittered = new RetryPolicy(settings(0.5), List.of());
        for (int i = 0; i < 200; i++) {
            assertThat(jittered.decide(1, new IllegalStateException()).delayNanos()).isBetween(5 * MS, 15 * MS);
        }
        assertThat(jittered.deadLetterResendNanos(1)).isBetween(5 * MS, 15 * MS);
        assertThat(jittered.deadLetterResendNanos(1000)).as("capped exponent").isBetween(25 * MS, 75 * MS);
    }

    private static ChannelSettings brokerSettings(int maxAttempts, String brokerFrom, double jitter) {
        return new ChannelSettings("c", "dest", "g", 1, 10, maxAttempts, Duration.ofMillis(100),
                Duration.ofSeconds(30), 2.0, jitter, "dest.dlq", 1 << 20, Duration.ofSeconds(30),
                brokerFrom == null ? null : Duration.parse("PT" + brokerFrom));
    }

    @Test
    @DisplayName("broker retries range from the first backoff that reaches broker-delay-from less its jitter to the last attempt's plus its jitter")
    void brokerRetries() {
        // backoffs 100ms, 200ms, 400ms, 800ms, 1.6s, 3.2s, 6.4s, 12.8s, 25.6s, 30s (attempts 2..11)
        assertThat(RetryPolicy.brokerRetries(brokerSettings(11, "0.5S", 0.2)))
                .isEqualTo(new SubscriptionRequest.DelayRange(Duration.ofMillis(640), Duration.ofSeconds(36)));
        assertThat(RetryPolicy.brokerRetries(brokerSettings(5, "0.4S", 0)))
                .isEqualTo(new SubscriptionRequest.DelayRange(Duration.ofMillis(400), Duration.ofMillis(800)));
        assertThat(RetryPolicy.brokerRetries(brokerSettings(2, "0.1S", 0.5)))
                .isEqualTo(new SubscriptionRequest.DelayRange(Duration.ofMillis(50), Duration.ofMillis(150)));
    }

    @Test
    @DisplayName("no broker retries without broker-delay-from, when no backoff reaches it, or with a single attempt")
    void noBrokerRetries() {
        assertThat(RetryPolicy.brokerRetries(brokerSettings(5, null, 0.2))).isNull();
        assertThat(RetryPolicy.brokerRetries(brokerSettings(5, "1S", 0.2))).isNull(); // the last backoff is 800ms
        assertThat(RetryPolicy.brokerRetries(brokerSettings(1, "0.1S", 0.2))).isNull();
    }

    @Test
    @DisplayName("every delay a broker retry is given lies in the range")
    void verdictsWithinRange() {
        ChannelSettings s = brokerSettings(8, "0.3S", 0.3);
        SubscriptionRequest.DelayRange range = RetryPolicy.brokerRetries(s);
        RetryPolicy p = new RetryPolicy(s, List.of());
        IllegalStateException boom = new IllegalStateException("boom");
        for (int i = 0; i < 2_000; i++) {
            RetryPolicy.Verdict v = p.decide(1 + i % 7, boom);
            if (v.toBroker()) {
                assertThat(v.delayNanos()).isBetween(range.shortest().toNanos(), range.longest().toNanos());
            }
        }
        assertThat(p.decide(3, boom).toBroker()).isTrue();
    }
}
