package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.spi.ConfigKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** docs/transports/rabbitmq.md lists exactly the keys and channel keys the transport declares, with their defaults. */
class RabbitMqConfigReferenceDocTest {

    @Test
    @DisplayName("The configuration table of docs/transports/rabbitmq.md matches configKeys()")
    void tableMatchesConfigKeys() throws Exception {
        Path doc = Path.of("..", "docs", "transports", "rabbitmq.md");
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("| `twelvefold.rabbitmq.")) {
                String[] cells = line.split("\\|");
                rows.add(String.join(" | ", cells[1].strip(), cells[2].strip(), cells[3].strip(), cells[4].strip(),
                        cells[5].strip()));
            }
        }
        List<String> expected = new ArrayList<>();
        for (ConfigKey k : new RabbitMqTransportProvider().configKeys()) {
            String env = "TWELVEFOLD_RABBITMQ_" + k.name().toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
            expected.add(String.join(" | ", "`twelvefold.rabbitmq." + k.name() + "`", "`" + env + "`", k.type(),
                    k.defaultValue() == null ? "" : "`" + k.defaultValue() + "`", k.secret() ? "yes" : ""));
        }
        assertThat(rows).containsExactlyElementsOf(expected);
    }

    @Test
    @DisplayName("The channel key table of docs/transports/rabbitmq.md matches channelConfigKeys()")
    void channelTableMatchesChannelConfigKeys() throws Exception {
        Path doc = Path.of("..", "docs", "transports", "rabbitmq.md");
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("| `twelvefold.channels.<channel>.rabbitmq.")) {
                String[] cells = line.split("\\|");
                rows.add(String.join(" | ", cells[1].strip(), cells[2].strip(), cells[3].strip(), cells[4].strip()));
            }
        }
        List<String> expected = new ArrayList<>();
        for (ConfigKey k : new RabbitMqTransportProvider().channelConfigKeys()) {
            String env = "TWELVEFOLD_CHANNELS_<CHANNEL>_RABBITMQ_"
                    + k.name().toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
            expected.add(String.join(" | ", "`twelvefold.channels.<channel>.rabbitmq." + k.name() + "`", "`" + env + "`",
                    k.type(), k.defaultValue() == null ? "" : "`" + k.defaultValue() + "`"));
        }
        assertThat(rows).containsExactlyElementsOf(expected);
    }
}
