package io.twelvefold.core.internal.dlq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.spi.StoredMessage;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code dlq list} and {@code dlq show} print: a table or JSON lines. */
final class DlqReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final Instant now;

    DlqReport(PrintStream out, Instant now) {
        this.out = out;
        this.now = now;
    }

    /** Counts by channel, reason and exception class, with the age of the oldest and newest. */
    void list(List<DeadLetter> letters, boolean json) {
        Map<List<String>, Group> groups = new LinkedHashMap<>();
        for (DeadLetter d : letters) {
            groups.computeIfAbsent(List.of(d.channel(), d.reason(), d.exceptionClass()), k -> new Group()).add(d);
        }
        if (json) {
            groups.forEach((k, g) -> {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("channel", k.get(0));
                fields.put("reason", k.get(1));
                fields.put("exceptionClass", k.get(2));
                fields.put("count", g.count);
                fields.put("oldest", g.oldest == null ? null : g.oldest.toString());
                fields.put("newest", g.newest == null ? null : g.newest.toString());
                line(fields);
            });
            return;
        }
        String format = "%-20s %-12s %-45s %6s %8s %8s%n";
        out.printf(format, "CHANNEL", "REASON", "EXCEPTION", "COUNT", "OLDEST", "NEWEST");
        groups.forEach((k, g) -> out.printf(format, k.get(0), k.get(1), k.get(2), g.count, age(g.oldest),
                age(g.newest)));
        out.printf("%d dead letter(s)%n", letters.size());
    }

    /** The dead letters themselves, one block (or JSON line) each. */
    void show(List<DeadLetter> letters, boolean json, int payloadMax) {
        for (DeadLetter d : letters) {
            StoredMessage m = d.stored();
            Payload p = Payload.of(m.payload(), payloadMax);
            if (json) {
                line(fields(d, p));
                continue;
            }
            out.printf("%s %d:%d  id %s  key %s%n", m.destination(), m.partition(), m.position(), d.id(), m.key());
            out.printf("  channel %s, reason %s, attempts %s, replays %d%n", d.channel(), d.reason(),
                    d.show(DeadLetterHeaders.ATTEMPTS), d.replays());
            out.printf("  failed first %s, last %s%n", d.show(DeadLetterHeaders.FIRST_FAILURE),
                    d.show(DeadLetterHeaders.LAST_FAILURE));
            out.printf("  %s: %s%n", d.exceptionClass(), d.show(DeadLetterHeaders.EXCEPTION_MESSAGE));
            out.printf("  payload (%s, %d bytes): %s%n", p.encoding(), m.payload().length, p.text());
        }
        if (!json) {
            out.printf("%d dead letter(s)%n", letters.size());
        }
    }

    private static Map<String, Object> fields(DeadLetter d, Payload p) {
        StoredMessage m = d.stored();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("destination", m.destination());
        fields.put("partition", m.partition());
        fields.put("position", m.position());
        fields.put("id", d.id());
        fields.put("key", m.key());
        fields.put("channel", d.channel());
        fields.put("reason", d.reason());
        fields.put("attempts", d.show(DeadLetterHeaders.ATTEMPTS));
        fields.put("replays", d.replays());
        fields.put("firstFailure", d.show(DeadLetterHeaders.FIRST_FAILURE));
        fields.put("lastFailure", d.show(DeadLetterHeaders.LAST_FAILURE));
        fields.put("exceptionClass", d.exceptionClass());
        fields.put("exceptionMessage", d.show(DeadLetterHeaders.EXCEPTION_MESSAGE));
        fields.put("payloadEncoding", p.encoding());
        fields.put("payload", p.text());
        fields.put("payloadBytes", m.payload().length);
        return fields;
    }

    private void line(Map<String, ?> fields) {
        try {
            out.println(JSON.writeValueAsString(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + fields, e);
        }
    }

    /** @return how long ago, like {@code 3h12m}; "-" when unknown */
    private String age(Instant at) {
        if (at == null) {
            return "-";
        }
        long s = Math.max(0, Duration.between(at, now).getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + s % 60 + "s";
        }
        if (s < 86_400) {
            return s / 3600 + "h" + s % 3600 / 60 + "m";
        }
        return s / 86_400 + "d" + s % 86_400 / 3600 + "h";
    }

    /** The dead letters of one channel, reason and exception class. */
    private static final class Group {
        int count;
        Instant oldest;
        Instant newest;

        void add(DeadLetter d) {
            count++;
            Instant at = d.lastFailure();
            if (at != null) {
                oldest = oldest == null || at.isBefore(oldest) ? at : oldest;
                newest = newest == null || at.isAfter(newest) ? at : newest;
            }
        }
    }

    /**
     * A payload as text when it is UTF-8 without control characters (line breaks escaped), else as
     * hex; cut to {@code max} characters with an ellipsis.
     */
    record Payload(String encoding, String text) {
        static Payload of(byte[] bytes, int max) {
            String text = utf8(bytes);
            if (text != null) {
                String escaped = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
                        .replace("\t", "\\t");
                return new Payload("text", cut(escaped, max));
            }
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < bytes.length && hex.length() <= max; i++) {
                hex.append(String.format("%02x", bytes[i]));
            }
            return new Payload("hex", cut(hex.toString(), max));
        }

        private static String utf8(byte[] bytes) {
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
                        return null;
                    }
                }
                return s;
            } catch (CharacterCodingException e) {
                return null;
            }
        }

        private static String cut(String s, int max) {
            return s.length() <= max ? s : s.substring(0, max) + "…";
        }
    }
}
