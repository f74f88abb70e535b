package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.Event;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TimerStepTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ChannelMetrics metrics = new ChannelMetrics(registry, "fake", settings(1, 10, 1), () -> 0);

    @Test
    @DisplayName("an attempt is timed until it settles, as a success or a failure; an attempt the step never saw is not")
    void timesUntilSettled() throws Exception {
        AttemptContext ok = attempt();
        AttemptChain.run(steps(), ok);
        assertThat(count("success")).as("not settled yet: its outputs are being confirmed").isZero();
        ok.settled(true);
        AttemptContext failed = attempt();
        AttemptChain.run(steps(), failed);
        failed.settled(false);
        attempt().settled(true);

        assertThat(count("success")).isEqualTo(1);
        assertThat(count("failure")).isEqualTo(1);
    }

    private Steps<String> steps() {
        return new Steps<>("c", String.class, (e, ctx) -> { }, List.of(new TimerStep(metrics)), List.of());
    }

    private AttemptContext attempt() {
        return new AttemptContext(Event.builder("x").source("/s").type("t").build(), 1, System.nanoTime(),
                settings(1, 10, 1), DispatchFixture.outputs(new FakePublisher(), registry));
    }

    private long count(String outcome) {
        return registry.get("messaging.process.duration").tag("outcome", outcome).timer().count();
    }
}
