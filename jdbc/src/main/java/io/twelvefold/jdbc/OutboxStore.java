package io.twelvefold.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twelvefold.core.Codec;
import io.twelvefold.core.Event;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** The SQL of the outbox table: rows in (in the caller's transaction) and out (in the relay's). */
final class OutboxStore {
    /** How many slots the outbox has (the rows of {@code twelvefold_outbox_slot}). */
    static final int SLOTS = 16;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };
    private static final String INSERT = "INSERT INTO twelvefold_outbox (slot, channel, event_id, event_key, source,"
            + " type, content_type, subject, event_time, headers, payload, created_at_ms)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String SELECT = "SELECT id, channel, event_id, event_key, source, type, content_type,"
            + " subject, event_time, headers, payload, created_at_ms FROM twelvefold_outbox";

    /** A stored event, ready to publish. */
    record Row(long id, String channel, Event<byte[]> event, long createdAtMs) {
        String key() {
            return event.key().orElse(null);
        }
    }

    private OutboxStore() {
    }

    /** The slot of a key: the same for every instance; a keyless event goes to any. */
    static int slot(String key) {
        return key == null ? ThreadLocalRandom.current().nextInt(SLOTS) : Math.floorMod(key.hashCode(), SLOTS);
    }

    /** Stores an event in the outbox, in the connection's transaction. */
    static void insert(Connection connection, Codec codec, String channel, Event<?> event) throws SQLException {
        String key = event.key().orElse(null);
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            ps.setInt(1, slot(key));
            ps.setString(2, channel);
            ps.setString(3, event.id());
            ps.setString(4, key);
            ps.setString(5, event.source());
            ps.setString(6, event.type());
            ps.setString(7, event.dataContentType().orElse(codec.contentType()));
            ps.setString(8, event.subject().orElse(null));
            if (event.time().isPresent()) {
                ps.setString(9, event.time().get().toString());
            } else {
                ps.setNull(9, Types.VARCHAR);
            }
            ps.setString(10, JSON.writeValueAsString(event.headers()));
            ps.setBytes(11, codec.encode(event.data()));
            ps.setLong(12, System.currentTimeMillis());
            ps.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Event '" + event.id() + "' has headers that cannot be stored", e);
        }
    }

    /**
     * The oldest rows of some slots, oldest first.
     *
     * @param slots the slots, all of them when their count is {@link #SLOTS}
     */
    static List<Row> oldest(Connection connection, List<Integer> slots, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder(SELECT);
        if (slots.size() < SLOTS) {
            sql.append(" WHERE slot IN (");
            for (int i = 0; i < slots.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(slots.get(i).intValue());
            }
            sql.append(')');
        }
        sql.append(" ORDER BY id LIMIT ").append(limit);
        List<Row> rows = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                rows.add(row(rs));
            }
        }
        return rows;
    }

    private static Row row(ResultSet rs) throws SQLException {
        Event.Builder<byte[]> b = Event.builder(rs.getBytes("payload")).id(rs.getString("event_id"))
                .source(rs.getString("source")).type(rs.getString("type"))
                .dataContentType(rs.getString("content_type")).key(rs.getString("event_key"));
        String subject = rs.getString("subject");
        if (subject != null) {
            b.subject(subject);
        }
        String time = rs.getString("event_time");
        if (time != null) {
            b.time(OffsetDateTime.parse(time));
        }
        try {
            b.headers(JSON.readValue(rs.getString("headers"), HEADERS));
        } catch (JsonProcessingException e) {
            throw new SQLException("Outbox row " + rs.getLong("id") + " has headers that are not a JSON object", e);
        }
        return new Row(rs.getLong("id"), rs.getString("channel"), b.build(), rs.getLong("created_at_ms"));
    }

    /** Deletes published rows, in the relay's transaction. */
    static void delete(Connection connection, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder("DELETE FROM twelvefold_outbox WHERE id IN (");
        for (int i = 0; i < ids.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(ids.get(i).longValue());
        }
        try (Statement st = connection.createStatement()) {
            st.executeUpdate(sql.append(')').toString());
        }
    }

    /** The backlog: how many rows wait, and when the oldest was written (0 for none). */
    static long[] backlog(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*), MIN(created_at_ms) FROM twelvefold_outbox")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
