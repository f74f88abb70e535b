package io.twelvefold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventTest {
    @Test
    void requiresSourceAndType() {
        assertThatThrownBy(() -> Event.builder("x").type("t").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Event attribute 'source' is required, was null; set it with Event.builder().source(...)");
    }

    @Test
    void withDataKeepsAttributes() {
        Event<String> e = Event.builder("a").source("/s").type("t").key("k").header("h", "v").build();
        Event<Integer> f = e.withData(1);
        assertThat(f.id()).isEqualTo(e.id());
        assertThat(f.key()).contains("k");
        assertThat(f.headers()).containsEntry("h", "v");
        assertThat(f.data()).isEqualTo(1);
    }
}
