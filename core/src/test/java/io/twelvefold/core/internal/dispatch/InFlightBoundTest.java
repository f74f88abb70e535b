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

    @Test
    @DisplayName("events parked behind a retry delay do not count against max-in-flight")
    void parkedDoNotCount() {
        bound.bind(subscription);
        for (int i = 0; i < 20; i++) {
            bound.admitted();
            bound.parked(1);
        }
        assertThat(subscription.paused).as("20 delivered, all parked").isFalse();
        for (int i = 0; i < 3; i++) {
            bound.admitted();
        }
        assertThat(subscription.paused).as("3 in flight").isFalse();
        bound.admitted();
        assertThat(subscription.paused).as("4 in flight").isTrue();
        assertThat(bound.inFlight()).isEqualTo(24);
        assertThat(bound.parked()).isEqualTo(20);
        bound.left();
        bound.left();
        assertThat(subscription.paused).as("2 in flight, 20 parked (resumes at 2 and 32)").isFalse();
    }

    @Test
    @DisplayName("parked events have their own bound, 16 x max-in-flight; it resumes when both are at half")
    void parkedBound() {
        bound.bind(subscription);
        for (int i = 0; i < 63; i++) {
            bound.admitted();
            bound.parked(1);
        }
        assertThat(subscription.paused).isFalse();
        bound.admitted();
        bound.parked(1);
        assertThat(subscription.paused).as("64 parked").isTrue();
        bound.parked(-31);
        assertThat(subscription.paused).as("33 parked, 31 in flight again").isTrue();
        for (int i = 0; i < 29; i++) {
            bound.left();
        }
        assertThat(subscription.paused).as("33 parked, 2 in flight").isTrue();
        bound.parked(-1);
        assertThat(subscription.paused).as("32 parked, 3 in flight").isTrue();
        bound.left();
        assertThat(subscription.paused).as("32 parked, 2 in flight").isFalse();
    }
}
