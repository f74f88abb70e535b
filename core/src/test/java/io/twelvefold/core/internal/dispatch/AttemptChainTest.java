package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.Event;
import io.twelvefold.core.ForwardingProcessorContext;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.ProcessorInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** One attempt's walk through the steps of its channel. */
class AttemptChainTest {
    private final Event<String> input = Event.builder("x").id("e-1").source("/s").type("t").build();
    private final AttemptContext attempt = new AttemptContext(input, 1, System.nanoTime(), settings(1, 10, 1),
            DispatchFixture.outputs(new FakePublisher(), new SimpleMeterRegistry()));
    private final List<String> processed = new ArrayList<>();
    private final EventProcessor<String> processor = (e, ctx) -> processed.add(e.data() + "@" + ctx.attempt());

    @Test
    @DisplayName("without interceptors the processor gets the attempt's event and context")
    void noInterceptors() throws Exception {
        AtomicReference<ProcessorContext> seen = new AtomicReference<>();
        AttemptChain.run(steps(List.of(), (e, ctx) -> seen.set(ctx)), attempt);
        assertThat(seen.get()).isSameAs(attempt);
    }

    @Test
    @DisplayName("an interceptor's replacement event and context reach the next steps; the interceptor keeps seeing its own")
    void handOn() throws Exception {
        List<String> outer = new ArrayList<>();
        ProcessorContext other = new Renumbered(attempt, 7);
        ProcessorInterceptor first = chain -> {
            chain.proceed(chain.event().withData("y"), other);
            outer.add(chain.event().data() + "@" + chain.context().attempt());
        };
        ProcessorInterceptor second = chain -> {
            outer.add(chain.event().data() + "@" + chain.context().attempt());
            chain.proceed();
        };
        AttemptChain.run(steps(List.of(first, second), processor), attempt);
        assertThat(processed).containsExactly("y@7");
        assertThat(outer).containsExactly("y@7", "x@1");
    }

    @Test
    @DisplayName("proceeding twice, or after the attempt, throws IllegalStateException naming the interceptor")
    void atMostOnce() throws Exception {
        AtomicReference<ProcessorInterceptor.Chain> kept = new AtomicReference<>();
        ProcessorInterceptor twice = chain -> {
            kept.set(chain);
            chain.proceed();
            chain.proceed();
        };
        Steps<String> steps = steps(List.of(chain -> chain.proceed(), twice), processor);
        assertThatThrownBy(() -> AttemptChain.run(steps, attempt)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Interceptor 'io.twelvefold.core.internal.dispatch.AttemptChainTest$$Lambda")
                .hasMessageEndingWith("(2 of 2 on channel 'c') called proceed a second time, was attempt 1 of event "
                        + "'e-1'; call proceed at most once");
        assertThat(processed).containsExactly("x@1");
        assertThatThrownBy(() -> kept.get().proceed()).isInstanceOf(IllegalStateException.class)
                .hasMessage("A chain of channel 'c' was used after its attempt finished, was attempt 1 of event 'e-1'; "
                        + "call proceed only during intercept");
    }

    @Test
    @DisplayName("an interceptor that does not proceed ends the attempt there")
    void skip() throws Exception {
        AttemptChain.run(steps(List.of(chain -> { }), processor), attempt);
        assertThat(processed).isEmpty();
    }

    @Test
    @DisplayName("a replacement event must carry the channel's payload type (or none)")
    void payloadType() throws Exception {
        ProcessorInterceptor number = new HandsOnANumber();
        assertThatThrownBy(() -> AttemptChain.run(steps(List.of(number), processor), attempt))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Interceptor '" + HandsOnANumber.class.getName() + "' (1 of 1 on channel 'c') handed on an "
                        + "event with a payload of another type, was 'java.lang.Integer'; hand on an event whose "
                        + "payload is a 'java.lang.String', the payload type of channel 'c'");
        AttemptChain.run(steps(List.of(chain -> chain.proceed(chain.event().withData(null), chain.context())),
                processor), attempt);
        assertThat(processed).containsExactly("null@1");
    }

    @Test
    @DisplayName("framework steps are named apart from the user's interceptors")
    void describe() {
        Steps<String> steps = new Steps<>("c", String.class, processor, List.of(new HandsOnANumber()),
                List.of(new HandsOnANumber(), new HandsOnANumber()));
        assertThat(steps.describe(0)).isEqualTo("Framework step '" + HandsOnANumber.class.getName()
                + "' (1 of 1 on channel 'c')");
        assertThat(steps.describe(2)).isEqualTo("Interceptor '" + HandsOnANumber.class.getName()
                + "' (2 of 2 on channel 'c')");
        assertThat(steps.describe(3)).isEqualTo("The processor of channel 'c'");
    }

    @Test
    @DisplayName("interceptors registered for a channel without a processor are refused, naming the channel and the fix")
    void channelsWithoutProcessor() {
        ProcessorInterceptor any = chain -> chain.proceed();
        Steps.checkChannels(Map.of("orders", List.of(any)), Set.of("orders", "toons"));
        assertThatThrownBy(() -> Steps.checkChannels(Map.of("ordres", List.of(any)), Set.of("orders", "toons")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Channel 'ordres' has interceptors but no processor, was intercept(\"ordres\", ...) with "
                        + "processors declared for [orders, toons]; declare its processor with processor(\"ordres\", "
                        + "type, processor), or register the interceptor for every channel with intercept(interceptor)");
        assertThatThrownBy(() -> Steps.checkChannels(Map.of("b", List.of(any), "a", List.of(any)), Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Channels [a, b] have interceptors but no processor, was intercept(channel, ...) with "
                        + "processors declared for []; declare their processors with processor(channel, type, "
                        + "processor), or register the interceptors for every channel with intercept(interceptor)");
    }

    private Steps<String> steps(List<ProcessorInterceptor> user, EventProcessor<String> p) {
        return new Steps<>("c", String.class, p, List.of(), user);
    }

    private static final class HandsOnANumber implements ProcessorInterceptor {
        @Override
        public void intercept(Chain chain) throws Exception {
            chain.proceed(chain.event().withData(42), chain.context());
        }
    }

    /** A context that reports another attempt number. */
    private static final class Renumbered extends ForwardingProcessorContext {
        private final int attempt;

        Renumbered(ProcessorContext delegate, int attempt) {
            super(delegate);
            this.attempt = attempt;
        }

        @Override
        public int attempt() {
            return attempt;
        }
    }
}
