package io.twelvefold.jdbc;

/** What differs between the databases the module supports: the schema and how relays share the outbox. */
enum Dialect {
    /** Relays claim slots with {@code SKIP LOCKED}; new rows are announced with {@code NOTIFY}. */
    POSTGRESQL("schema-postgresql.sql",
            "SELECT slot FROM twelvefold_outbox_slot ORDER BY slot FOR UPDATE SKIP LOCKED"),
    /** Relays take every slot in turn (H2 serves development and tests); no notifications. */
    H2("schema-h2.sql", "SELECT slot FROM twelvefold_outbox_slot ORDER BY slot FOR UPDATE");

    private final String schemaResource;
    private final String claimSlots;

    Dialect(String schemaResource, String claimSlots) {
        this.schemaResource = schemaResource;
        this.claimSlots = claimSlots;
    }

    /** @return the resource, next to this class, holding the DDL */
    String schemaResource() {
        return schemaResource;
    }

    /** @return the query that locks the outbox slots no other relay holds, until the transaction ends */
    String claimSlots() {
        return claimSlots;
    }
}
