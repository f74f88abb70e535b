package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessorInterceptor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.BasicMDCAdapter;

class TraceStepTest {
    private final BasicMDCAdapter mdc = new BasicMDCAdapter();
    private final Event<String> input = Event.builder("x").id("e-1").source("/s").type("t")
            .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build();
    private final AttemptContext attempt = new AttemptContext(input, 1, System.nanoTime(), settings(1, 10, 1),
            DispatchFixture.outputs(new FakePublisher(), new SimpleMeterRegistry()));

    @Test
    @DisplayName("the rest of the chain logs with the trace id, this hop's span id, the event id and the channel; they are gone after, also after a failure")
    void mdc() {
        Map<String, String> seen = new HashMap<>();
        ProcessorInterceptor look = chain -> {
            seen.putAll(mdc.getCopyOfContextMap());
            throw new IllegalStateException("boom");
        };
        Steps<String> steps = new Steps<>("c", String.class, (e, ctx) -> { }, List.of(new TraceStep("c", mdc)),
                List.of(look));
        assertThatThrownBy(() -> AttemptChain.run(steps, attempt)).hasMessage("boom");

        String span = attempt.traceParent().substring(36, 52);
        assertThat(seen).containsExactlyInAnyOrderEntriesOf(Map.of("traceId", "0af7651916cd43dd8448eb211c80319c",
                "spanId", span, "eventId", "e-1", "channel", "c"));
        assertThat(mdc.getCopyOfContextMap()).isNullOrEmpty();
    }
}
