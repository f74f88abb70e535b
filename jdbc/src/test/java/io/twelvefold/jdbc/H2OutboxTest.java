package io.twelvefold.jdbc;

/** The outbox on H2. */
class H2OutboxTest extends OutboxContract {
    @Override
    String database() {
        return TestDatabases.h2();
    }
}
