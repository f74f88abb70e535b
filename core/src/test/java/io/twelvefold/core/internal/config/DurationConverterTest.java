package io.twelvefold.core.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationConverterTest {

    @ParameterizedTest
    @CsvSource({
        "200us, PT0.0002S",
        "0us, PT0S",
        "0, PT0S",
        "500ms, PT0.5S",
        "30s, PT30S",
        "2m, PT2M",
        "1h, PT1H",
        "1d, PT24H",
        "' 15s ', PT15S",
        "-5s, PT-5S",
        "PT30S, PT30S",
        "pt1m, PT1M",
        "P1D, PT24H",
    })
    void acceptsShortFormsAndIso8601(String value, String expected) {
        assertThat(DurationConverter.parse(value)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "1.5s", "30 s", "30S", "soon", "PT", "99999999999999999999d", "106751991167301d"})
    void rejectsEverythingElse(String value) {
        assertThatThrownBy(() -> DurationConverter.parse(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + value + "' is not a duration like 500ms, 30s, 2m, 1h, 1d or PT30S");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void convertsAnEmptyValueToNull(String value) {
        assertThat(new DurationConverter().convert(value)).isNull();
    }
}
