package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.twelvefold.core.App;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.ExtensionContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The schema's DDL, the migrate command, and an app started on a database without the schema. */
class SchemaTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int migrate(String url, String... args) {
        ExtensionContext context = new ExtensionContext() {
            @Override
            public String appName() {
                return "shop";
            }

            @Override
            public Map<String, String> properties() {
                return Map.of();
            }

            @Override
            public Map<String, String> environment() {
                return Map.of("DATABASE_URL", url);
            }

            @Override
            public Codec codec() {
                return Codec.json();
            }

            @Override
            public EventPublisher publisher() {
                throw new IllegalStateException("not in a command");
            }
        };
        return new MigrateCommand(null).run(context, List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("the PostgreSQL script splits into its statements, the function body in one piece")
    void statements() {
        List<String> statements = Schema.statements(Schema.ddl(Dialect.POSTGRESQL));

        assertThat(statements).hasSize(8);
        assertThat(statements.get(6)).startsWith("CREATE OR REPLACE FUNCTION twelvefold_outbox_notify()")
                .contains("PERFORM pg_notify('twelvefold_outbox', '');").endsWith("LANGUAGE plpgsql");
        assertThat(Schema.statements(Schema.ddl(Dialect.H2))).hasSize(6);
    }

    @Test
    @DisplayName("migrate applies the schema, and again without harm; --print shows it; other arguments are a usage"
            + " problem")
    void migrateCommand() throws Exception {
        String url = TestDatabases.h2();

        assertThat(migrate(url)).isZero();
        assertThat(migrate(url)).isZero();
        assertThat(TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_outbox_slot")).isEqualTo(16);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Applied the twelvefold-jdbc schema (6 statements)"
                + " to " + url);
        assertThat(migrate(url, "--print")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("CREATE TABLE IF NOT EXISTS twelvefold_outbox (");
        assertThat(migrate(url, "--force")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("Command 'migrate' takes no arguments but"
                + " '--print', was '--force'; run 'migrate' to apply the schema or 'migrate --print' to see it"
                + System.lineSeparator());
    }

    @Test
    @DisplayName("an app on a database without the schema fails to start, saying how to apply it")
    void missingSchema() {
        String url = TestDatabases.h2();
        TransportException e = catchThrowableOfType(TransportException.class, () -> App.builder().name("shop")
                .environment(Map.of("DATABASE_URL", url)).config("twelvefold.inmemory.broker", "schema-test")
                .extension(Jdbc.create()).output("shipments").build().start());

        assertThat(e).hasMessageContaining("Database '" + url + "' lacks the twelvefold-jdbc schema; run the app's"
                + " 'migrate' command, or set twelvefold.jdbc.migrate-at-start (TWELVEFOLD_JDBC_MIGRATE_AT_START) to"
                + " true");
    }
}
