package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RetryDecisionTest {
    private final ChannelSettings settings = settings(1, 10, 3);
    private final RetryDecision decision = new RetryDecision(new RetryPolicy(settings, List.of()), "c");

    @Test
    @DisplayName("a failure of the rest of the chain gets its verdict and goes on unchanged")
    void verdict() {
        IllegalStateException boom = new IllegalStateException("boom");
        AttemptContext retried = attempt(1);
        assertThatThrownBy(() -> AttemptChain.run(steps(boom), retried)).isSameAs(boom);
        assertThat(retried.verdict()).isEqualTo(new RetryPolicy.Verdict(null, 5_000_000, false));

        AttemptContext last = attempt(3);
        assertThatThrownBy(() -> AttemptChain.run(steps(boom), last)).isSameAs(boom);
        assertThat(last.verdict().deadLetterReason()).isEqualTo("exhausted");

        ProcessingException fatal = ProcessingException.fatal("no");
        AttemptContext dead = attempt(1);
        assertThatThrownBy(() -> AttemptChain.run(steps(fatal), dead)).isSameAs(fatal);
        assertThat(dead.verdict().deadLetterReason()).isEqualTo("fatal");
    }

    @Test
    @DisplayName("a successful attempt and a virtual machine error get no verdict")
    void noVerdict() throws Exception {
        AttemptContext ok = attempt(1);
        AttemptChain.run(new Steps<>("c", String.class, (e, ctx) -> { }, List.of(decision), List.of()), ok);
        assertThat(ok.verdict()).isNull();

        StackOverflowError error = new StackOverflowError();
        AttemptContext vm = attempt(1);
        assertThatThrownBy(() -> AttemptChain.run(steps(error), vm)).isSameAs(error);
        assertThat(vm.verdict()).isNull();
    }

    private Steps<String> steps(Throwable thrown) {
        return new Steps<>("c", String.class, (e, ctx) -> {
            if (thrown instanceof Error) {
                throw (Error) thrown;
            }
            throw (Exception) thrown;
        }, List.of(decision), List.of());
    }

    private AttemptContext attempt(int n) {
        return new AttemptContext(Event.builder("x").source("/s").type("t").build(), n, System.nanoTime(), settings,
                DispatchFixture.outputs(new FakePublisher(), new SimpleMeterRegistry()));
    }
}
