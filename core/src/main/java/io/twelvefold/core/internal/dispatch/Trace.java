package io.twelvefold.core.internal.dispatch;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context for one processing step (a hop): the trace id of the input event (or a new
 * one), and a new span id for this hop. Events emitted during the hop carry
 * {@code traceparent = 00-<trace id>-<this hop's span id>-<flags>} and the input's
 * {@code tracestate}.
 *
 * @param traceId 32 lowercase hex digits
 * @param spanId 16 lowercase hex digits, this hop's span
 * @param flags 2 hex digits
 * @param traceState the input's {@code tracestate}, or null
 */
record Trace(String traceId, String spanId, String flags, String traceState) {
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";
    private static final String ZERO_TRACE = "00000000000000000000000000000000";
    private static final String ZERO_SPAN = "0000000000000000";

    /** A new hop continuing the trace of these headers, or starting a new trace when they have none (or a malformed one). */
    static Trace hop(Map<String, String> headers) {
        String parent = headers.get(TRACEPARENT);
        if (parent != null && valid(parent)) {
            return new Trace(parent.substring(3, 35), newSpanId(), parent.substring(53, 55), headers.get(TRACESTATE));
        }
        return new Trace(newTraceId(), newSpanId(), "01", null);
    }

    /** @return the traceparent of events emitted in this hop */
    String traceParent() {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }

    static boolean valid(String tp) {
        // version 00: 00-<32 hex>-<16 hex>-<2 hex>; later versions may append fields after a dash
        if (tp.length() < 55 || tp.charAt(2) != '-' || tp.charAt(35) != '-' || tp.charAt(52) != '-') {
            return false;
        }
        if (tp.startsWith("ff") || (tp.startsWith("00") && tp.length() != 55)
                || (tp.length() > 55 && tp.charAt(55) != '-')) {
            return false;
        }
        return hex(tp, 0, 2) && hex(tp, 3, 35) && hex(tp, 36, 52) && hex(tp, 53, 55)
                && !tp.regionMatches(3, ZERO_TRACE, 0, 32) && !tp.regionMatches(36, ZERO_SPAN, 0, 16);
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static String newTraceId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi;
        long lo;
        do {
            hi = r.nextLong();
            lo = r.nextLong();
        } while (hi == 0 && lo == 0);
        return hex16(hi) + hex16(lo);
    }

    private static String newSpanId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        return hex16(id);
    }

    private static String hex16(long v) {
        char[] c = new char[16];
        for (int i = 15; i >= 0; i--) {
            c[i] = Character.forDigit((int) (v & 0xf), 16);
            v >>>= 4;
        }
        return new String(c);
    }
}
