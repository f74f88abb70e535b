package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.App;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InMemoryProvisionTest {

    @Test
    @DisplayName("provision names every channel's destination, group and dead-letter destination, and each output; exit 0")
    void provision() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = App.builder().environment(Map.of()).name("shop")
                .config("twelvefold.inmemory.broker", "provision-test")
                .config("twelvefold.channels.orders.dead-letter-destination", "orders-errors")
                .processor("orders", String.class, (e, ctx) -> { })
                .output("shipments")
                .command(new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8), "provision");

        assertThat(status).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "provision: channel 'orders': destination 'orders', group 'shop', dead letters 'orders-errors', broker retries none",
                "provision: output 'shipments': destination 'shipments'",
                "provision: done on transport 'inmemory', 2 channel(s)");
    }
}
