package io.twelvefold.core.internal.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON bodies of the admin endpoint. Health documents have the MicroProfile Health shape:
 * {@code {"status":"UP","checks":[{"name":..,"status":..,"data":{..}}]}}, where the overall status
 * is UP only when every check is UP.
 *
 * <p>Written with Jackson's streaming generator, which escapes every string. Loaded on the first
 * request, not at startup.
 */
final class HealthDocument {
    private static final JsonFactory JSON = new JsonFactory();

    /** A probe and the checks it is made of. */
    enum Probe {
        /** {@code /health/live}: the process itself; a broker outage must never restart it. */
        LIVE(false),
        /** {@code /health/ready}: the process and every subscription. */
        READY(true),
        /** {@code /health/started}: startup completed; what happens after is for the other probes. */
        STARTED(false);

        private final boolean includesSubscriptions;

        Probe(boolean includesSubscriptions) {
            this.includesSubscriptions = includesSubscriptions;
        }

        private boolean status(HealthModel health) {
            return switch (this) {
                case LIVE -> health.live();
                case READY -> health.ready();
                case STARTED -> health.started();
            };
        }
    }

    /** A rendered document and whether it reports UP. */
    record Rendered(boolean up, byte[] body) {
    }

    private HealthDocument() {
    }

    static Rendered health(Probe probe, HealthModel health) {
        // Read each value once so that the document is one consistent snapshot.
        boolean self = probe.status(health);
        String state = health.state();
        List<HealthModel.SubscriptionHealth> subscriptions =
                probe.includesSubscriptions ? health.subscriptions() : List.of();
        List<HealthModel.ComponentHealth> components = probe.includesSubscriptions ? health.components() : List.of();
        boolean up = self && subscriptions.stream().allMatch(HealthModel.SubscriptionHealth::up)
                && components.stream().allMatch(HealthModel.ComponentHealth::up);
        return new Rendered(up, write(g -> {
            g.writeStartObject();
            g.writeStringField("status", status(up));
            g.writeArrayFieldStart("checks");
            startCheck(g, "twelvefold", self);
            g.writeStringField("state", state);
            g.writeEndObject();
            g.writeEndObject();
            for (HealthModel.SubscriptionHealth s : subscriptions) {
                writeSubscription(g, s);
            }
            for (HealthModel.ComponentHealth c : components) {
                writeComponent(g, c);
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    /** Opens a check's object and its data object: {@code {"name":...,"status":...,"data":{}. */
    private static void startCheck(JsonGenerator g, String name, boolean up) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("status", status(up));
        g.writeObjectFieldStart("data");
    }

    private static void writeSubscription(JsonGenerator g, HealthModel.SubscriptionHealth s) throws IOException {
        startCheck(g, "channel:" + s.channel(), s.up());
        g.writeStringField("destination", s.destination());
        g.writeStringField("group", s.group());
        g.writeStringField("transport", s.transport());
        g.writeNumberField("inFlight", s.inFlight());
        g.writeBooleanField("paused", s.paused());
        if (s.detail() != null) {
            g.writeStringField("detail", s.detail());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeComponent(JsonGenerator g, HealthModel.ComponentHealth c) throws IOException {
        startCheck(g, "extension:" + c.name(), c.up());
        for (java.util.Map.Entry<String, Object> e : c.data().entrySet()) {
            g.writeFieldName(e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /** A data value: a number, a boolean, or its text. */
    private static void writeValue(JsonGenerator g, Object value) throws IOException {
        if (value instanceof Long || value instanceof Integer) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof Number n) {
            g.writeNumber(n.doubleValue());
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else {
            g.writeString(String.valueOf(value));
        }
    }

    /** {@code {"error":"...","path":"..."}} for 404 and 405. */
    static byte[] error(String error, String method, String path) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("error", error);
            g.writeStringField("method", method);
            g.writeStringField("path", path);
            g.writeArrayFieldStart("endpoints");
            for (String endpoint : AdminServer.ENDPOINTS) {
                g.writeString(endpoint);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** {@code {"status":"DOWN","error":"..."}} when the endpoint itself failed. */
    static byte[] failure(String error) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("status", "DOWN");
            g.writeStringField("error", error);
            g.writeEndObject();
        });
    }

    private static String status(boolean up) {
        return up ? "UP" : "DOWN";
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }
}
