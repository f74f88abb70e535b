package io.twelvefold.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InlinePolicyTest {

    @Test
    @DisplayName("off with a threshold of 0")
    void off() {
        InlinePolicy off = new InlinePolicy(0);
        for (int i = 0; i < 100; i++) {
            off.record(System.nanoTime());
        }
        assertThat(off.allows()).isFalse();
    }

    @Test
    @DisplayName("starts closed, opens after a few dozen short attempts, closes again after a long one")
    void movingAverage() {
        InlinePolicy policy = new InlinePolicy(TimeUnit.SECONDS.toNanos(1));
        assertThat(policy.allows()).as("the average starts at four times the threshold").isFalse();
        for (int i = 0; i < 64; i++) {
            policy.record(System.nanoTime()); // about 0 ns each
        }
        assertThat(policy.allows()).isTrue();
        policy.record(System.nanoTime() - TimeUnit.SECONDS.toNanos(20)); // one attempt of 20 s
        assertThat(policy.allows()).isFalse();
    }
}
