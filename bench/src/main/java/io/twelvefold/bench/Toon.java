package io.twelvefold.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;

/**
 * The payload of the broker benchmarks (Kafka and RabbitMQ, throughput and start-up), and the one
 * piece of work both contenders do per event: parse the JSON, upper-case {@code name}, emit.
 *
 * @param name the toon's name
 * @param n its number
 */
public record Toon(String name, int n) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean TREE = "tree".equals(System.getProperty("bench.hand.json"));

    /** @return this toon with its name upper-cased: what the Twelvefold processor emits */
    public Toon shouted() {
        return new Toon(name.toUpperCase(Locale.ROOT), n);
    }

    /** @return the JSON of toon number {@code i}, about 40 bytes */
    public static byte[] json(int i) {
        try {
            return JSON.writeValueAsBytes(new Toon("luke skywalker " + i, i));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The hand-written loops' processor: parse the toon, {@link #shouted() shout} it, write it; the
     * same data binding the Twelvefold processor gets from its codec. With
     * {@code -Dbench.hand.json=tree} (the baseline of the runs before 2026-11-28 11:00 UTC) it works on
     * Jackson's tree model instead, which costs less to warm up than binding a record.
     *
     * @param json a toon's JSON
     * @return the shouted toon's JSON
     * @throws IOException when the input is not a toon
     */
    public static byte[] shout(byte[] json) throws IOException {
        if (TREE) {
            ObjectNode toon = (ObjectNode) JSON.readTree(json);
            toon.put("name", toon.get("name").asText().toUpperCase(Locale.ROOT));
            return JSON.writeValueAsBytes(toon);
        }
        return JSON.writeValueAsBytes(JSON.readValue(json, Toon.class).shouted());
    }
}
