package io.twelvefold.core.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnvNamesTest {

    @Test
    void replacesEveryNonAlphanumericCharacterAndUppercases() {
        assertThat(EnvNames.of("twelvefold.channels.jedi-commands.max-attempts"))
                .isEqualTo("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS");
        assertThat(EnvNames.of("twelvefold.kafka.client.\"max.poll.records\""))
                .isEqualTo("TWELVEFOLD_KAFKA_CLIENT__MAX_POLL_RECORDS_");
        assertThat(EnvNames.of("twelvefold_name")).isEqualTo("TWELVEFOLD_NAME");
    }
}
