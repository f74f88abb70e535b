package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.spi.ConfigKey;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** docs/configuration.md and docs/databases.md list the module's settings, and cite tests that exist. */
class JdbcDocsTest {
    private static final Path DOCS = Path.of("..", "docs");

    private static List<String> rows(String doc) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(DOCS.resolve(doc))) {
            if (line.startsWith("| `twelvefold.jdbc.")) {
                String[] cells = line.split("\\|");
                rows.add(String.join(" | ", cells[1].strip(), cells[2].strip(), cells[3].strip(), cells[4].strip(),
                        cells[5].strip()));
            }
        }
        return rows;
    }

    @Test
    @DisplayName("both pages have one row per setting, in order, with its variable, type, default and description")
    void settingsTables() throws IOException {
        List<String> expected = new ArrayList<>();
        for (ConfigKey k : JdbcSettings.KEYS) {
            expected.add(String.join(" | ", "`" + JdbcSettings.PREFIX + k.name() + "`",
                    "`" + JdbcSettings.variable(k.name()) + "`", k.type(), "`" + k.defaultValue() + "`",
                    k.description()));
        }
        assertThat(rows("configuration.md")).containsExactlyElementsOf(expected);
        assertThat(rows("databases.md")).containsExactlyElementsOf(expected);
    }

    @Test
    @DisplayName("every test docs/databases.md cites exists")
    void citedTests() throws Exception {
        String page = Files.readString(DOCS.resolve("databases.md"));
        Matcher m = Pattern.compile("`([A-Z][A-Za-z0-9]*Test|[A-Z][A-Za-z0-9]*Contract)(?:#([a-zA-Z0-9]+))?`")
                .matcher(page);
        int cited = 0;
        while (m.find()) {
            Class<?> type = Class.forName("io.twelvefold.jdbc." + m.group(1));
            if (m.group(2) != null) {
                assertThat(Arrays.stream(type.getDeclaredMethods()).map(Method::getName))
                        .as(m.group()).contains(m.group(2));
            }
            cited++;
        }
        assertThat(cited).isGreaterThanOrEqualTo(12);
    }
}
