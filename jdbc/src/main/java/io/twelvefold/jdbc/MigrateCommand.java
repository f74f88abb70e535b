package io.twelvefold.jdbc;

import io.twelvefold.core.spi.AdminCommand;
import io.twelvefold.core.spi.ExtensionContext;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/**
 * {@code migrate}: applies the module's schema to the database of {@code DATABASE_URL} and exits;
 * {@code migrate --print} prints the schema instead, for a Flyway or Liquibase migration.
 */
final class MigrateCommand implements AdminCommand {
    private final String defaultUrl;

    MigrateCommand(String defaultUrl) {
        this.defaultUrl = defaultUrl;
    }

    @Override
    public String name() {
        return "migrate";
    }

    @Override
    public String description() {
        return "applies the twelvefold-jdbc schema to DATABASE_URL's database (--print: prints it instead)";
    }

    @Override
    public int run(ExtensionContext context, List<String> args, PrintStream out, PrintStream err) {
        JdbcSettings s = JdbcSettings.parse(context.properties(), context.environment(), defaultUrl);
        if (args.equals(List.of("--print"))) {
            out.print(Schema.ddl(s.database().dialect()));
            return 0;
        }
        if (!args.isEmpty()) {
            err.println("Command 'migrate' takes no arguments but '--print', was '" + String.join(" ", args)
                    + "'; run 'migrate' to apply the schema or 'migrate --print' to see it");
            return 2;
        }
        DatabaseUrl db = s.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            int n = Schema.apply(c, db.dialect());
            out.println("Applied the twelvefold-jdbc schema (" + n + " statements) to " + db);
            return 0;
        } catch (SQLException e) {
            err.println("Database '" + db + "' could not be migrated: " + DatabaseUrl.redact(String.valueOf(
                    e.getMessage())) + "; check DATABASE_URL and that the database is running");
            return 1;
        }
    }
}
