package io.twelvefold.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InFlightBoundTest {
    private final InFlightBound bound = new InFlightBound(4);
    private final FakeSubscription subscription = new FakeSubscription();

    @Test
    @DisplayName("pauses at max-in-flight and resumes when half of them left")
    void pauseAndResume() {
        bound.bind(subscription);
        for (int i = 0; i < 3; i++) {
            bound.admitted();
        }
        assertThat(subscription.paused).isFalse();
        bound.admitted();
        assertThat(subscription.paused).isTrue();
        assertThat(bound.paused()).isTrue();
        bound.left();
        assertThat(subscription.paused).as("3 in flight, resumes at 2").isTrue();
        bound.left();
        assertThat(subscription.paused).isFalse();
        assertThat(bound.inFlight()).isEqualTo(2);
    }

    @Test
    @DisplayName("a subscription bound after the bound was reached starts paused")
    void bindWhilePaused() {
        for (int i = 0; i < 4; i++) {
            bound.admitted();
        }
        bound.bind(subscription);
        assertThat(subscription.paused).isTrue();
    }

    @Test
    @DisplayName("once stopped it stays paused whatever leaves")
    void stop() {
        bound.bind(subscription);
        for (int i = 0; i < 4; i++) {
            bound.admitted();
        }
        bound.stop();
        for (int i = 0; i < 4; i++) {
            bound.left();
        }
        assertThat(subscription.paused).isTrue();
        assertThat(bound.paused()).isTrue();
    }
}
