package io.twelvefold.jdbc;

/** The idempotent consumer on H2. */
class H2IdempotentConsumerTest extends IdempotentConsumerContract {
    @Override
    String database() {
        return TestDatabases.h2();
    }
}
