package io.twelvefold.jdbc;

/** The idempotent consumer on PostgreSQL. */
class PostgresIdempotentConsumerTest extends IdempotentConsumerContract {
    @Override
    String database() {
        return TestDatabases.postgres();
    }
}
