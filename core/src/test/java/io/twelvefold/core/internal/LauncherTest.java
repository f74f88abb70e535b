package io.twelvefold.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.spi.TransportProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The command line: --help, --print-config and what is not a command. */
class LauncherTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Declaration d, String... args) {
        return Launcher.execute(List.of(args), d, () -> {
            throw new AssertionError("a command must not build the app");
        }, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static Declaration declaration(Map<String, String> environment, TransportProvider provider, String name) {
        return new Declaration(name,
                List.of(new Declaration.ProcessorBinding<>("orders", String.class, EventProcessor.sink(s -> { }))),
                Set.of("shipments"), List.of(), Map.of("twelvefold.transport", "flaky"), environment, provider, null,
                null, List.of(), List.of(), List.of(), Map.of(), List.of());
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("--help prints the usage with the commands and the exit statuses")
    void help() {
        assertThat(run(declaration(Map.of(), new FlakyProvider(0), null), "--help")).isZero();

        assertThat(out()).startsWith("Usage: java -jar <app>.jar [command]")
                .contains("--print-config", "--help", "provision", "dlq list", "dlq show", "dlq replay",
                        "dlq purge",
                        "  2  a configuration or command-line problem",
                        "  3  the broker could not be reached within twelvefold.start-timeout");
        assertThat(err()).isEmpty();
    }

    @Test
    @DisplayName("an unknown argument is an error with exit status 2, not ignored")
    void unknownArgument() {
        assertThat(run(declaration(Map.of(), new FlakyProvider(0), null), "--prnt-config")).isEqualTo(2);

        assertThat(err()).isEqualTo("Unknown argument '--prnt-config'; see --help for the commands"
                + System.lineSeparator());
        assertThat(out()).isEmpty();
    }

    @Test
    @DisplayName("a command takes no further argument")
    void extraArgument() {
        assertThat(run(declaration(Map.of(), new FlakyProvider(0), null), "--print-config", "now")).isEqualTo(2);

        assertThat(err()).startsWith("Unexpected argument 'now' after '--print-config'");
    }

    @Test
    @DisplayName("--print-config shows the values the app would use, derived ones included, and PORT; exit 0")
    void printConfig() {
        int status = run(declaration(Map.of("PORT", "8080", "TWELVEFOLD_FLAKY_URI", "amqp://bob:pw1234@host/vh"),
                new FlakyProvider(0), "shop"), "--print-config");

        assertThat(status).isZero();
        assertThat(out())
                .contains("| `twelvefold.name` | `TWELVEFOLD_NAME` | string | `twelvefold` | `shop` | code default |")
                .contains("| `twelvefold.channels.orders.destination` | `TWELVEFOLD_CHANNELS_ORDERS_DESTINATION` | string |"
                        + "  | `orders` | derived |")
                .contains("| `twelvefold.channels.orders.group` | `TWELVEFOLD_CHANNELS_ORDERS_GROUP` | string |  | `shop` |"
                        + " derived |")
                .contains("| `twelvefold.channels.shipments.dead-letter-destination` |"
                        + " `TWELVEFOLD_CHANNELS_SHIPMENTS_DEAD_LETTER_DESTINATION` | string |  | `shipments.dlq` | derived |")
                .contains("| `twelvefold.flaky.uri` | `TWELVEFOLD_FLAKY_URI` | string | `<redacted>` |"
                        + " `amqp://<redacted>@host/vh` | environment |")
                .contains("|  | `PORT` | int |  | `8080` | environment |")
                .doesNotContain("pw1234");
        assertThat(err()).isEmpty();
    }

    @Test
    @DisplayName("--print-config shows 'none (terminal)' as the dead-letter destination of a channel that reads dead letters, and 'none' as set")
    void printConfigNoDeadLetters() {
        int status = run(declaration(Map.of("TWELVEFOLD_CHANNELS_ORDERS_DESTINATION", "orders.dlq",
                "TWELVEFOLD_CHANNELS_SHIPMENTS_DEAD_LETTER_DESTINATION", "none"), new FlakyProvider(0), "shop"),
                "--print-config");

        assertThat(status).isZero();
        assertThat(out())
                .contains("| `twelvefold.channels.orders.dead-letter-destination` |"
                        + " `TWELVEFOLD_CHANNELS_ORDERS_DEAD_LETTER_DESTINATION` | string |  | `none (terminal)` | derived |")
                .contains("| `twelvefold.channels.shipments.dead-letter-destination` |"
                        + " `TWELVEFOLD_CHANNELS_SHIPMENTS_DEAD_LETTER_DESTINATION` | string |  | `none` | environment |");
    }

    @Test
    @DisplayName("--print-config validates like a start: every problem on standard error, exit 2")
    void printConfigValidates() {
        int status = run(declaration(Map.of("TWELVEFOLD_CHANNELS_ORDERS_CONCURRENCY", "0", "TWELVEFOLD_SHUTDOWN_TIMOUT", "1s",
                "PORT", "http"), new FlakyProvider(0), null), "--print-config");

        assertThat(status).isEqualTo(2);
        assertThat(out()).contains("| `twelvefold.channels.orders.concurrency` |");
        assertThat(err()).startsWith("Configuration is invalid (3 problems):")
                .contains("twelvefold.channels.orders.concurrency (TWELVEFOLD_CHANNELS_ORDERS_CONCURRENCY) must be an"
                        + " integer of at least 1, was '0'")
                .contains("Environment variable 'TWELVEFOLD_SHUTDOWN_TIMOUT' is not a Twelvefold setting; did you mean"
                        + " 'TWELVEFOLD_SHUTDOWN_TIMEOUT'?")
                .contains("PORT must be an integer from 0 to 65535");
    }

    @Test
    @DisplayName("--print-config says when the chosen transport is not on the classpath")
    void printConfigWithoutTheTransport() {
        Declaration d = new Declaration(null, List.of(), Set.of("out"), List.of(), Map.of(),
                Map.of("TWELVEFOLD_TRANSPORT", "kafka"), null, null, null, List.of(), List.of(), List.of(), Map.of(),
                List.of());

        assertThat(run(d, "--print-config")).isEqualTo(2);

        assertThat(err()).contains("Transport 'kafka' is not available (twelvefold.transport / TWELVEFOLD_TRANSPORT).");
    }
}
