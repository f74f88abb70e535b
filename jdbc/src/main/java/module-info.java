/**
 * Twelvefold on JDBC: the database from {@code DATABASE_URL}, idempotent consumers and a
 * transactional outbox ({@code io.twelvefold.jdbc}). The rest of the module is package-private.
 */
module io.twelvefold.jdbc {
    exports io.twelvefold.jdbc;

    requires transitive io.twelvefold.core;
    requires transitive java.sql;
    requires org.slf4j;
    requires com.zaxxer.hikari;
}
