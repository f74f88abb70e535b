package io.twelvefold.jdbc;

import io.twelvefold.core.Event;
import io.twelvefold.core.EventPublisher;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;

/**
 * The transactional outbox, for code outside processors (an HTTP handler that saves a row and
 * announces it): {@link #emit} stores an event in the {@code twelvefold_outbox} table in the
 * caller's transaction, so the event exists exactly when the caller's own writes committed. The
 * app's relay publishes stored events through the app's publisher, in order per key, and deletes
 * them once the broker confirmed them: each is published at least once (a crash between the
 * confirmation and the delete publishes it again, with the same event id).
 *
 * <p>A processor's emits go to the outbox on their own when the channel is intercepted by
 * {@link Jdbc#transactional()} or {@link Jdbc#idempotent()}.
 *
 * <p>Thread-safe; get it from {@link Jdbc#outbox()}.
 */
public final class Outbox {
    private final Database database;

    Outbox(Database database) {
        this.database = database;
    }

    /**
     * Stores an event made as {@link EventPublisher#newEvent} makes it (a new id, the channel's
     * {@code type} and {@code source}), to be published once the caller's transaction committed.
     *
     * @param connection the caller's connection, in the transaction the event belongs to, never null
     * @param channel an output channel declared on the application, never null
     * @param key the partition key, may be null (no order kept)
     * @param payload the payload, never null
     * @return the stored event (its id identifies it downstream), never null
     * @throws IllegalStateException before the app started
     * @throws io.twelvefold.core.TwelvefoldException when the channel is not declared as an output
     * @throws SQLException when the database refused the row (the caller's transaction decides what follows)
     */
    public Event<?> emit(Connection connection, String channel, String key, Object payload) throws SQLException {
        Event<?> event = publisher().newEvent(channel, key, Objects.requireNonNull(payload, "payload"));
        OutboxStore.insert(Objects.requireNonNull(connection, "connection"), database.codec(), channel, event);
        return event;
    }

    /**
     * Stores an event as built by the caller (its id, key, type, headers).
     *
     * @param connection the caller's connection, in the transaction the event belongs to, never null
     * @param channel an output channel declared on the application, never null
     * @param event the event, never null
     * @throws IllegalStateException before the app started
     * @throws io.twelvefold.core.TwelvefoldException when the channel is not declared as an output
     * @throws SQLException when the database refused the row
     */
    public void emit(Connection connection, String channel, Event<?> event) throws SQLException {
        // checks the channel is a declared output now, so a typo fails the caller, not the relay later
        publisher().newEvent(channel, null, Objects.requireNonNull(event, "event").data());
        OutboxStore.insert(Objects.requireNonNull(connection, "connection"), database.codec(), channel, event);
    }

    private EventPublisher publisher() {
        EventPublisher p = database.publisher();
        if (p == null) {
            throw new IllegalStateException("Outbox.emit works once the app started (the channels' event type and"
                    + " source come from it); call it after App.start()");
        }
        return p;
    }
}
