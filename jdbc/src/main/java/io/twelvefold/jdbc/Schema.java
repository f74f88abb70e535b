package io.twelvefold.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The module's tables, from the DDL resource of a dialect; applying it again changes nothing. */
final class Schema {
    /** The PostgreSQL advisory lock that serialises migrations (an arbitrary number of ours). */
    private static final long MIGRATION_LOCK = 1_212_012_016L;

    private Schema() {
    }

    /** @return the DDL resource's text */
    static String ddl(Dialect dialect) {
        try (InputStream in = Schema.class.getResourceAsStream(dialect.schemaResource())) {
            if (in == null) {
                throw new IllegalStateException("Resource '" + dialect.schemaResource() + "' is missing from"
                        + " twelvefold-jdbc; rebuild the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Splits a script into statements: each ends with a line ending in {@code ;}, except inside a
     * {@code $$} quoted function body; {@code --} comment lines are dropped.
     */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (String line : script.split("\n")) {
            String t = line.strip();
            if (!quoted && (t.isEmpty() || t.startsWith("--"))) {
                continue;
            }
            int dollars = (line.length() - line.replace("$$", "").length()) / 2;
            if (dollars % 2 == 1) {
                quoted = !quoted;
            }
            current.append(line).append('\n');
            if (!quoted && t.endsWith(";")) {
                String s = current.toString().strip();
                out.add(s.substring(0, s.length() - 1));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }

    /**
     * Applies the schema in one transaction.
     *
     * @return how many statements ran
     */
    static int apply(Connection connection, Dialect dialect) throws SQLException {
        List<String> statements = statements(ddl(dialect));
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            if (dialect == Dialect.POSTGRESQL) {
                // instances migrating at once would race on CREATE ... IF NOT EXISTS: one at a time
                st.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            }
            for (String s : statements) {
                st.execute(s);
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
        return statements.size();
    }
}
