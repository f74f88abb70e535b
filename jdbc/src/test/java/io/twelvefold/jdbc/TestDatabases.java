package io.twelvefold.jdbc;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;

/**
 * The databases the tests run on: a fresh H2 memory database, or the local PostgreSQL
 * ({@code TWELVEFOLD_TEST_DATABASE_URL} points elsewhere). Without PostgreSQL its tests are skipped,
 * loudly; under {@code CI=true} they fail.
 */
final class TestDatabases {
    static final String POSTGRES_DEFAULT = "postgres://postgres@127.0.0.1:5432/test";

    private TestDatabases() {
    }

    /** @return the URL of a new, empty H2 memory database that lives until the JVM exits */
    static String h2() {
        return "jdbc:h2:mem:tf-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    /** @return the PostgreSQL URL, with the module's schema applied and its tables emptied */
    static String postgres() {
        String url = Optional.ofNullable(System.getenv("TWELVEFOLD_TEST_DATABASE_URL")).orElse(POSTGRES_DEFAULT);
        DriverManager.setLoginTimeout(5);
        try (Connection c = connect(url)) {
            Schema.apply(c, Dialect.POSTGRESQL);
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM twelvefold_outbox");
                st.execute("DELETE FROM twelvefold_processed");
            }
        } catch (SQLException e) {
            String message = "no PostgreSQL at " + DatabaseUrl.redact(url) + " (" + e.getMessage()
                    + "); start it (see .ci/run) or set TWELVEFOLD_TEST_DATABASE_URL";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true and " + message);
            }
            assumeTrue(false, "skipped: " + message);
        }
        return url;
    }

    /** A connection of the test's own, outside any app. */
    static Connection connect(String url) throws SQLException {
        DatabaseUrl db = DatabaseUrl.parse(url, new String[1]).orElseThrow();
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    static void execute(String url, String sql) throws SQLException {
        try (Connection c = connect(url); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static long count(String url, String sql) throws SQLException {
        try (Connection c = connect(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
