package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module on an app's real command line, in a child JVM: the manifest and the migrate command. */
class JdbcCommandLineTest {

    @Test
    @DisplayName("--print-config lists the jdbc settings and DATABASE_URL without its credentials")
    void printConfig() throws Exception {
        try (ChildProcess child = ChildProcess.start("relay", Map.of("DATABASE_URL",
                "postgres://app:s3cret@db.example:5432/shop", "TWELVEFOLD_JDBC_POOL_SIZE", "4"), "--print-config")) {
            assertThat(child.exitStatus()).as(child.output()).isZero();
            assertThat(child.output())
                    .contains("| `twelvefold.jdbc.pool-size` | `TWELVEFOLD_JDBC_POOL_SIZE` | int | `10` | `4` |")
                    .contains("`DATABASE_URL`").contains("postgres://<redacted>@db.example:5432/shop")
                    .doesNotContain("s3cret");
        }
    }

    @Test
    @DisplayName("a bad DATABASE_URL stops the app before anything starts, exit status 2, the password redacted")
    void badUrl() throws Exception {
        try (ChildProcess child = ChildProcess.start("relay", Map.of("DATABASE_URL",
                "mysql://app:s3cret@db.example/shop"))) {
            assertThat(child.exitStatus()).as(child.output()).isEqualTo(2);
            assertThat(child.output()).contains("DATABASE_URL must be a PostgreSQL or H2 URL like"
                    + " 'postgres://user:password@host:5432/db' or 'jdbc:h2:mem:app', was"
                    + " 'mysql://<redacted>@db.example/shop'").doesNotContain("s3cret");
        }
    }

    @Test
    @DisplayName("migrate applies the schema to DATABASE_URL's database and exits 0 without starting the app")
    void migrate(@TempDir Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("shop").toAbsolutePath();
        try (ChildProcess child = ChildProcess.start("relay", Map.of("DATABASE_URL", url), "migrate")) {
            assertThat(child.exitStatus()).as(child.output()).isZero();
            assertThat(child.output()).contains("Applied the twelvefold-jdbc schema (6 statements) to " + url)
                    .doesNotContain("RELAYING");
        }
        assertThat(Files.exists(dir.resolve("shop.mv.db"))).isTrue();
        assertThat(TestDatabases.count(url, "SELECT COUNT(*) FROM twelvefold_outbox_slot")).isEqualTo(16);
    }
}
