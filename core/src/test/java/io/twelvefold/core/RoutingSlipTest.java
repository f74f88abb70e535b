package io.twelvefold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoutingSlipTest {
    private static Event<String> event() {
        return Event.builder("luke").source("/web").type("toon.submitted").key("luke").build();
    }

    @Test
    void travelsInAHeaderAndComesBack() {
        Event<String> original = event();
        Event<String> withSlip = RoutingSlip.of("jedi", "enlisted").attachTo(original);

        assertThat(withSlip.header(RoutingSlip.HEADER)).contains("jedi,enlisted");
        assertThat(RoutingSlip.of(withSlip)).contains(RoutingSlip.of("jedi", "enlisted"));
        assertThat(RoutingSlip.of(withSlip).orElseThrow().next()).isEqualTo("jedi");
        assertThat(withSlip.id()).isEqualTo(original.id());
        assertThat(withSlip.key()).contains("luke");
    }

    @Test
    void anEventWithoutOneHasNone() {
        assertThat(RoutingSlip.of(event())).isEmpty();
        assertThat(RoutingSlip.of(event().toBuilder().header(RoutingSlip.HEADER, " , ").build())).isEmpty();
    }

    @Test
    void rejectsStepsThatCannotTravel() {
        assertThatThrownBy(RoutingSlip::of).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A routing slip needs at least one channel");
        assertThatThrownBy(() -> RoutingSlip.of("a,b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Channel 'a,b' cannot be a step of a routing slip; use a channel name like 'jedi-commands'");
    }

    @Test
    void removeHeaderRemovesIt() {
        Event<String> e = event().toBuilder().header("x", "1").removeHeader("x").removeHeader("absent").build();
        assertThat(e.headers()).doesNotContainKey("x");
    }
}
