-- Twelvefold JDBC schema for PostgreSQL (twelvefold-jdbc). Idempotent: safe to apply again.
-- Applied by the app's `migrate` command or at start (twelvefold.jdbc.migrate-at-start); Flyway and
-- Liquibase users copy this file into a migration of their own (see docs/databases.md).

-- Event ids an idempotent consumer processed, per consumer group.
CREATE TABLE IF NOT EXISTS twelvefold_processed (
    consumer_group  VARCHAR(255) NOT NULL,
    event_id        VARCHAR(255) NOT NULL,
    processed_at_ms BIGINT       NOT NULL,
    PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX IF NOT EXISTS twelvefold_processed_age ON twelvefold_processed (processed_at_ms);

-- Events written in a business transaction, waiting for the relay to publish them.
CREATE TABLE IF NOT EXISTS twelvefold_outbox (
    id            BIGSERIAL    PRIMARY KEY,
    slot          INTEGER      NOT NULL,
    channel       VARCHAR(255) NOT NULL,
    event_id      VARCHAR(255) NOT NULL,
    event_key     VARCHAR(1024),
    source        VARCHAR(1024) NOT NULL,
    type          VARCHAR(1024) NOT NULL,
    content_type  VARCHAR(255) NOT NULL,
    subject       VARCHAR(1024),
    event_time    VARCHAR(64),
    headers       TEXT         NOT NULL,
    payload       BYTEA        NOT NULL,
    created_at_ms BIGINT       NOT NULL
);
CREATE INDEX IF NOT EXISTS twelvefold_outbox_slot_id ON twelvefold_outbox (slot, id);

-- The outbox's slots (a key always maps to the same slot): a relay publishes the rows of the slots it
-- locked, so several relays share the work and each key's rows go out in order.
CREATE TABLE IF NOT EXISTS twelvefold_outbox_slot (
    slot INTEGER PRIMARY KEY
);
INSERT INTO twelvefold_outbox_slot (slot) SELECT s FROM generate_series(0, 15) AS s ON CONFLICT DO NOTHING;

-- Wakes the relays (LISTEN twelvefold_outbox) when a transaction that wrote to the outbox commits.
CREATE OR REPLACE FUNCTION twelvefold_outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('twelvefold_outbox', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER twelvefold_outbox_notify AFTER INSERT ON twelvefold_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION twelvefold_outbox_notify();
