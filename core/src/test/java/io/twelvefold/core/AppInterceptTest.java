package io.twelvefold.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Interceptors declared on the builder, checked when the app is built. */
class AppInterceptTest {

    @Test
    @DisplayName("interceptors registered for a channel without a processor fail the build, naming the channel and the fix")
    void channelWithoutProcessor() {
        App.Builder builder = App.builder().environment(Map.of())
                .processor("orders", String.class, (e, ctx) -> { })
                .intercept(chain -> chain.proceed())
                .intercept("ordres", chain -> chain.proceed());
        assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Channel 'ordres' has interceptors but no processor, was intercept(\"ordres\", ...) with "
                        + "processors declared for [orders]; declare its processor with processor(\"ordres\", type, "
                        + "processor), or register the interceptor for every channel with intercept(interceptor)");
    }
}
