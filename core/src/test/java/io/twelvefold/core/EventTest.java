package io.twelvefold.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

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

    @Test
    void anEventKeepsItsHeadersWhenItsBuilderChangesAfterwards() {
        Event.Builder<String> b = Event.builder("a").source("/s").type("t").header("h", "1");
        Event<String> first = b.build();
        Event<String> second = b.header("h", "2").header("g", "3").build();
        Event<String> third = b.removeHeader("h").build();

        assertThat(first.headers()).containsExactly(entry("h", "1"));
        assertThat(second.headers()).containsExactly(entry("h", "2"), entry("g", "3"));
        assertThat(third.headers()).containsExactly(entry("g", "3"));
        assertThatThrownBy(() -> first.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anEventWithoutHeadersHasAnEmptyMap() {
        Event<String> e = Event.builder("a").source("/s").type("t").removeHeader("none").build();
        assertThat(e.headers()).isEmpty();
        assertThat(e.toBuilder().header("h", "v").build().headers()).containsExactly(entry("h", "v"));
        assertThat(e.headers()).isEmpty();
    }
}
