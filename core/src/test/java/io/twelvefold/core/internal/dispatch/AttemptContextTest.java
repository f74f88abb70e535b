package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AttemptContextTest {
    private final FakePublisher out = new FakePublisher();
    private final Event<String> input = Event.builder("x").id("e-1").source("/s").type("t").key("k")
            .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build();
    private final AttemptContext context = new AttemptContext(input, 2, System.nanoTime(), settings(1, 10, 5),
            DispatchFixture.outputs(out, new SimpleMeterRegistry()));

    @Test
    @DisplayName("says which attempt of which channel it is, with the input's headers and a deadline processing-timeout away")
    void accessors() {
        assertThat(context.channel()).isEqualTo("c");
        assertThat(context.attempt()).isEqualTo(2);
        assertThat(context.maxAttempts()).isEqualTo(5);
        assertThat(context.headers()).isEqualTo(input.headers());
        assertThat(context.deadline()).isBetween(Instant.now().plus(Duration.ofSeconds(29)),
                Instant.now().plus(Duration.ofSeconds(30)));
    }

    @Test
    @DisplayName("continues the input's trace with one span for the whole hop; emitted events carry it and the input's key")
    void trace() {
        String parent = context.traceParent();
        assertThat(parent).startsWith("00-0af7651916cd43dd8448eb211c80319c-").endsWith("-01")
                .isNotEqualTo(input.headers().get("traceparent"));
        assertThat(context.traceParent()).isEqualTo(parent);
        context.emit("out", "y");
        assertThat(out.sent).singleElement().satisfies(m -> {
            assertThat(m.headers()).containsEntry("traceparent", parent);
            assertThat(m.key()).isEqualTo("k");
        });
    }

    @Test
    @DisplayName("keeps every send made during the attempt, from any thread; after close, emit throws and nothing is sent")
    void sendsAndClose() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> emits = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                emits.add(pool.submit(() -> context.emit("out", "y" + n)));
            }
            for (Future<?> f : emits) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        context.close();
        List<CompletableFuture<Void>> sends = context.sends();
        assertThat(sends).hasSize(40);
        assertThatThrownBy(() -> context.emit("out", "late")).isInstanceOf(IllegalStateException.class)
                .hasMessage("Processor context of channel 'c' is closed, was used to emit on 'out' after attempt 2 of "
                        + "event 'e-1' finished; emit before process (and every interceptor) returns, and wait for "
                        + "other threads that emit");
        assertThat(out.sent).hasSize(40);
        assertThat(context.sends()).hasSize(40);
    }

    @Test
    @DisplayName("an attempt that emits nothing has no sends")
    void noSends() {
        context.close();
        assertThat(context.sends()).isNull();
    }
}
