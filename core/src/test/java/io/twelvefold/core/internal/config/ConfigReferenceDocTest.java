package io.twelvefold.core.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.spi.ConfigKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** docs/configuration.md lists every core key with its variable, type and default. */
class ConfigReferenceDocTest {
    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    @DisplayName("every process setting has a row with its variable, type and default in docs/configuration.md")
    void processSettings() throws IOException {
        List<String> rows = rows();
        for (ConfigKey key : CoreKeys.GLOBAL) {
            String k = "twelvefold." + key.name();
            assertThat(rows).as("row for %s", k).anyMatch(r -> r.startsWith("| `" + k + "` | `" + EnvNames.of(k) + "` | "
                    + key.type() + " | `" + key.defaultValue() + "` |"));
        }
    }

    @Test
    @DisplayName("every channel setting has a row with its variable, type and default in docs/configuration.md")
    void channelSettings() throws IOException {
        List<String> rows = rows();
        for (ConfigKey key : CoreKeys.CHANNEL) {
            String k = "twelvefold.channels.<channel>." + key.name();
            String env = "TWELVEFOLD_CHANNELS_<CHANNEL>_" + EnvNames.of(key.name());
            String start = "| `" + k + "` | `" + env + "` | " + key.type() + " | ";
            assertThat(rows).as("row for %s", k).anyMatch(r -> r.startsWith(start)
                    && (key.defaultValue() == null || r.startsWith(start + "`" + key.defaultValue() + "` |")));
        }
    }

    private static List<String> rows() throws IOException {
        return Files.readAllLines(DOC, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("| `twelvefold.")).toList();
    }
}
