package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.twelvefold.core.ConfigurationException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** DATABASE_URL and the twelvefold.jdbc settings: what is accepted, and every message word for word. */
class JdbcSettingsTest {

    private static JdbcSettings parse(Map<String, String> properties, String url, String defaultUrl) {
        return JdbcSettings.parse(properties, url == null ? Map.of() : Map.of("DATABASE_URL", url), defaultUrl);
    }

    private static ConfigurationException problems(Map<String, String> properties, String url, String defaultUrl) {
        return catchThrowableOfType(ConfigurationException.class, () -> parse(properties, url, defaultUrl));
    }

    @Test
    @DisplayName("postgres:// and postgresql:// URLs become a JDBC URL, with the credentials taken out and decoded")
    void heroku() {
        DatabaseUrl a = parse(Map.of(), "postgres://app:s3cr%40t@db.example:5433/shop?sslmode=require", null)
                .database();
        DatabaseUrl b = parse(Map.of(), "postgresql://db/shop", null).database();

        assertThat(a).isEqualTo(new DatabaseUrl("jdbc:postgresql://db.example:5433/shop?sslmode=require", "app",
                "s3cr@t", Dialect.POSTGRESQL));
        assertThat(a.toString()).isEqualTo("jdbc:postgresql://db.example:5433/shop?sslmode=require as app")
                .doesNotContain("s3cr");
        assertThat(b).isEqualTo(new DatabaseUrl("jdbc:postgresql://db/shop", null, null, Dialect.POSTGRESQL));
    }

    @Test
    @DisplayName("JDBC URLs of PostgreSQL and H2 are taken as they are; the default applies only without DATABASE_URL")
    void jdbcUrls() {
        assertThat(parse(Map.of(), "jdbc:postgresql://127.0.0.1:5432/test?user=postgres", null).database())
                .isEqualTo(new DatabaseUrl("jdbc:postgresql://127.0.0.1:5432/test?user=postgres", null, null,
                        Dialect.POSTGRESQL));
        assertThat(parse(Map.of(), null, "jdbc:h2:mem:shop").database())
                .isEqualTo(new DatabaseUrl("jdbc:h2:mem:shop", null, null, Dialect.H2));
        assertThat(parse(Map.of(), "jdbc:h2:file:./data/shop", "jdbc:h2:mem:shop").database().jdbcUrl())
                .isEqualTo("jdbc:h2:file:./data/shop");
    }

    @Test
    @DisplayName("defaults: a pool of 10, ids kept 7 days, the relay on and polling every second, no migration at start")
    void defaults() {
        JdbcSettings s = parse(Map.of(), null, "jdbc:h2:mem:shop");

        assertThat(s.poolSize()).isEqualTo(10);
        assertThat(s.connectionTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.migrateAtStart()).isFalse();
        assertThat(s.processedRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(s.cleanupInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(s.relayEnabled()).isTrue();
        assertThat(s.relayPollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.relayBatchSize()).isEqualTo(500);
    }

    @Test
    @DisplayName("durations take 500ms, 30s, 5m, 2h, 7d and ISO-8601")
    void durations() {
        JdbcSettings s = parse(Map.of("connection-timeout", "500ms", "processed-retention", "P2D",
                "cleanup-interval", "5m", "relay-poll-interval", "PT0.2S", "migrate-at-start", "TRUE"), null,
                "jdbc:h2:mem:shop");

        assertThat(s.connectionTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.processedRetention()).isEqualTo(Duration.ofDays(2));
        assertThat(s.cleanupInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.relayPollInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(s.migrateAtStart()).isTrue();
    }

    @Test
    @DisplayName("every bad setting is reported at once, naming the key and the environment variable")
    void badSettings() {
        ConfigurationException e = problems(Map.of("pool-size", "0", "connection-timeout", "soon",
                "migrate-at-start", "yes", "relay-batch-size", "many"), null, "jdbc:h2:mem:shop");

        assertThat(e.problems()).containsExactly(
                "twelvefold.jdbc.pool-size (TWELVEFOLD_JDBC_POOL_SIZE) must be a positive integer, was '0'",
                "twelvefold.jdbc.connection-timeout (TWELVEFOLD_JDBC_CONNECTION_TIMEOUT) must be a positive duration"
                        + " like '30s', was 'soon'",
                "twelvefold.jdbc.migrate-at-start (TWELVEFOLD_JDBC_MIGRATE_AT_START) must be 'true' or 'false', was"
                        + " 'yes'",
                "twelvefold.jdbc.relay-batch-size (TWELVEFOLD_JDBC_RELAY_BATCH_SIZE) must be a positive integer, was"
                        + " 'many'");
    }

    @Test
    @DisplayName("without DATABASE_URL and without a default, the message says what to set")
    void missing() {
        assertThat(problems(Map.of(), null, null).problems()).containsExactly("DATABASE_URL is not set; set it to the"
                + " database's URL, like 'postgres://user:password@host:5432/db', or declare a default with"
                + " Jdbc.builder().defaultUrl(\"jdbc:h2:file:./data/app\")");
    }

    @Test
    @DisplayName("a bad DATABASE_URL is reported with its credentials redacted")
    void badUrls() {
        assertThat(problems(Map.of(), "mysql://app:s3cret@db/shop", null).problems()).containsExactly(
                "DATABASE_URL must be a PostgreSQL or H2 URL like 'postgres://user:password@host:5432/db' or"
                        + " 'jdbc:h2:mem:app', was 'mysql://<redacted>@db/shop'");
        assertThat(problems(Map.of(), "jdbc:mysql://db/shop?user=app&password=s3cret", null).problems())
                .containsExactly("DATABASE_URL must be a PostgreSQL or H2 URL like"
                        + " 'postgres://user:password@host:5432/db' or 'jdbc:h2:mem:app', was"
                        + " 'jdbc:mysql://db/shop?user=app&password=<redacted>'");
        assertThat(problems(Map.of(), "postgres://app:s3cret@db:port/shop", null).problems()).containsExactly(
                "DATABASE_URL must name a host and, if any, a numeric port, was 'postgres://<redacted>@db:port/shop';"
                        + " write it like 'postgres://user:password@host:5432/db' or 'jdbc:h2:mem:app'");
        assertThat(problems(Map.of(), "postgres://app:s3cret@db:5432", null).problems()).containsExactly(
                "DATABASE_URL must name a database after the host, was 'postgres://<redacted>@db:5432'; write it like"
                        + " 'postgres://user:password@host:5432/db' or 'jdbc:h2:mem:app'");
        assertThat(problems(Map.of(), "postgres://app:s3 cret@db/shop", null).problems()).containsExactly(
                "DATABASE_URL is not a valid URL (Illegal character in authority), was 'postgres://<redacted>@db/shop';"
                        + " write it like 'postgres://user:password@host:5432/db' or 'jdbc:h2:mem:app'");
    }

    @Test
    @DisplayName("a bad DATABASE_URL and a bad setting come in one report")
    void together() {
        assertThat(problems(Map.of("pool-size", "-1"), "oracle:thin", null).problems()).containsExactly(
                "DATABASE_URL must be a PostgreSQL or H2 URL like 'postgres://user:password@host:5432/db' or"
                        + " 'jdbc:h2:mem:app', was 'oracle:thin'",
                "twelvefold.jdbc.pool-size (TWELVEFOLD_JDBC_POOL_SIZE) must be a positive integer, was '-1'");
    }
}
