package io.twelvefold.core.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ManifestTest {
    private static final TransportProvider FAKE = new TransportProvider() {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public List<ConfigKey> configKeys() {
            return List.of(new ConfigKey("uri", "string", "amqp://localhost", false, "The broker."),
                    new ConfigKey("password", "string", null, false, "A password."),
                    new ConfigKey("client.*", "string", null, false, "Native client properties."));
        }

        @Override
        public Transport create(TransportContext context) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    @DisplayName("the manifest lists every key with variable, type, default, value and source")
    void listsEverything() {
        String m = Manifest.render(Map.of("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS", "9"),
                Map.of("twelvefold.name", "toons"), Set.of("jedi-commands"), List.of(FAKE));
        assertThat(m).contains("| `twelvefold.name` | `TWELVEFOLD_NAME` | string | `twelvefold` | `toons` | code |")
                .contains("| `twelvefold.channels.jedi-commands.max-attempts` | "
                        + "`TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS` | int | `5` | `9` | environment |")
                .contains("| `twelvefold.shutdown-timeout` | `TWELVEFOLD_SHUTDOWN_TIMEOUT` | duration | `30s` | `30s` | default |")
                .contains("| `twelvefold.fake.uri` | `TWELVEFOLD_FAKE_URI` | string | `amqp://localhost` |");
    }

    @Test
    @DisplayName("secrets and the user info of URIs never appear")
    void redacts() {
        String m = Manifest.render(Map.of(
                        "TWELVEFOLD_FAKE_URI", "amqp://admin:s3cr3t@rabbit:5672/vh",
                        "TWELVEFOLD_FAKE_PASSWORD", "hunter22",
                        "TWELVEFOLD_FAKE_CLIENT_SASL_JAAS_CONFIG", "org.Login required password=\"pw1234\";"),
                Map.of(), Set.of(), List.of(FAKE));
        assertThat(m).doesNotContain("s3cr3t").doesNotContain("admin:").doesNotContain("hunter22")
                .doesNotContain("pw1234")
                .contains("`amqp://<redacted>@rabbit:5672/vh`")
                .contains("| `twelvefold.fake.password` | `TWELVEFOLD_FAKE_PASSWORD` | string |  | `<redacted>` | environment |")
                .contains("`TWELVEFOLD_FAKE_CLIENT_SASL_JAAS_CONFIG` | string |  | `<redacted>` | environment |");
    }
}
