package io.twelvefold.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.twelvefold.core.Codec;
import io.twelvefold.core.Event;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WireTest {
    /** A payload type in a package of its own, for the default CloudEvents type. */
    record OrderPlaced(String id, int amount) {
    }

    record Toon(String name, String order) {
    }

    @Test
    @DisplayName("the default type is the payload class as a reverse-DNS name; a JDK type gets the channel name")
    void defaultType() {
        Wire wire = wire(ChannelSettings.Format.CLOUDEVENTS, null, null);

        assertThat(wire.typeOf(OrderPlaced.class)).isEqualTo("io.twelvefold.core.internal.dispatch.order-placed");
        assertThat(wire.typeOf(Toon.class)).isEqualTo("io.twelvefold.core.internal.dispatch.toon");
        assertThat(wire.typeOf(String.class)).isEqualTo("orders");
        assertThat(wire.typeOf(byte[].class)).isEqualTo("orders");
        assertThat(wire.newEvent(new Toon("Luke", "Jedi"), "k").type()).isEqualTo("io.twelvefold.core.internal.dispatch.toon");
        assertThat(wire.newEvent(new Toon("Luke", "Jedi"), "k").source()).isEqualTo("/shop");
    }

    @Test
    @DisplayName("the channel's type and source replace the defaults of emitted events")
    void configuredTypeAndSource() {
        Event<Toon> event = wire(ChannelSettings.Format.CLOUDEVENTS, "io.example.toon.submitted", "/toons-web")
                .newEvent(new Toon("Luke", "Jedi"), null);

        assertThat(event.type()).isEqualTo("io.example.toon.submitted");
        assertThat(event.source()).isEqualTo("/toons-web");
    }

    @Test
    @DisplayName("a plain output carries its id and content type, and no other CloudEvents attribute")
    void plainOut() {
        Wire wire = wire(ChannelSettings.Format.PLAIN, null, null);
        Event<Toon> event = wire.newEvent(new Toon("Luke", "Jedi"), "luke");

        OutgoingMessage m = wire.toMessage(event, null);

        assertThat(m.attributes()).containsOnly(Map.entry("id", event.id()),
                Map.entry("datacontenttype", "application/json"));
        assertThat(m.key()).isEqualTo("luke");
        assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"name\":\"Luke\",\"order\":\"Jedi\"}");
        assertThat(m.headers()).containsKey("traceparent");
    }

    @Test
    @DisplayName("a CloudEvents output carries every attribute")
    void cloudEventsOut() {
        Wire wire = wire(ChannelSettings.Format.CLOUDEVENTS, null, null);
        Event<Toon> event = wire.newEvent(new Toon("Luke", "Jedi"), null);

        assertThat(wire.toMessage(event, null).attributes()).containsKeys("id", "source", "type", "specversion",
                "time", "datacontenttype");
    }

    @Test
    @DisplayName("a plain input gets its id from the broker, its source from the destination, its type from the payload"
            + " class and its time from the broker's timestamp")
    void plainInDerivesTheAttributes() {
        Wire wire = wire(ChannelSettings.Format.PLAIN, null, null);
        Instant stamped = Instant.parse("2026-12-03T10:15:30Z");
        Message m = new Message(Map.of("datacontenttype", "application/json"), Map.of(),
                "{\"name\":\"Leia\",\"order\":\"Jedi\"}", "toons-0-7", stamped);

        wire.validate(m);
        Event<Toon> event = wire.toEvent(m, Toon.class, false);

        assertThat(event.id()).isEqualTo("toons-0-7");
        assertThat(event.source()).isEqualTo("toons");
        assertThat(event.type()).isEqualTo("io.twelvefold.core.internal.dispatch.toon");
        assertThat(event.time()).contains(OffsetDateTime.of(2026, 12, 3, 10, 15, 30, 0, ZoneOffset.UTC));
        assertThat(event.data()).isEqualTo(new Toon("Leia", "Jedi"));
    }

    @Test
    @DisplayName("a plain input without a broker id gets a new id each time; the configured type and source win")
    void plainInWithoutABrokerId() {
        Wire wire = wire(ChannelSettings.Format.PLAIN, "legacy.toon", "/legacy-web");
        Message m = new Message(Map.of(), Map.of(), "{\"name\":\"Leia\"}", null, null);

        Event<Toon> first = wire.toEvent(m, Toon.class, false);
        Event<Toon> second = wire.toEvent(m, Toon.class, false);

        assertThat(first.id()).isNotEqualTo(second.id());
        assertThat(first.type()).isEqualTo("legacy.toon");
        assertThat(first.source()).isEqualTo("/legacy-web");
        assertThat(first.time()).isEmpty();
    }

    @Test
    @DisplayName("a plain input keeps the CloudEvents attributes a message does carry")
    void plainInKeepsCarriedAttributes() {
        Wire wire = wire(ChannelSettings.Format.PLAIN, null, null);
        Message m = new Message(Map.of("id", "e-1", "source", "/shop", "type", "t", "specversion", "1.0"), Map.of(),
                "{}", "toons-0-1", null);

        Event<Toon> event = wire.toEvent(m, Toon.class, false);

        assertThat(event.id()).isEqualTo("e-1");
        assertThat(event.source()).isEqualTo("/shop");
        assertThat(event.type()).isEqualTo("t");
    }

    @Test
    @DisplayName("a message without CloudEvents attributes on a cloudevents channel is invalid, naming the attribute")
    void cloudEventsInRequiresTheAttributes() {
        Wire wire = wire(ChannelSettings.Format.CLOUDEVENTS, null, null);
        Message m = new Message(Map.of("datacontenttype", "application/json"), Map.of(), "{}", "toons-0-1", null);

        PoisonException e = catchThrowableOfType(PoisonException.class, () -> wire.validate(m));

        assertThat(e.reason()).isEqualTo("invalid");
        assertThat(e).hasMessage("CloudEvents attribute 'id' is missing");
    }

    @Test
    @DisplayName("a structured-mode CloudEvent is read on a cloudevents channel: attributes, extensions and JSON data")
    void structuredIn() {
        Wire wire = wire(ChannelSettings.Format.CLOUDEVENTS, null, null);
        String body = "{\"specversion\":\"1.0\",\"id\":\"s-1\",\"source\":\"/legacy\",\"type\":\"toon.submitted\","
                + "\"time\":\"2026-12-03T10:15:30Z\",\"subject\":\"leia\",\"datacontenttype\":\"application/json\","
                + "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\",\"partitionkey\":\"leia\","
                + "\"data\":{\"name\":\"Leia\",\"order\":\"Jedi\"}}";
        Message m = new Message(Map.of("datacontenttype", "application/cloudevents+json; charset=UTF-8"), Map.of(),
                body, "toons-0-3", null);

        wire.validate(m);
        Event<Toon> event = wire.toEvent(m, Toon.class, false);

        assertThat(event.id()).isEqualTo("s-1");
        assertThat(event.source()).isEqualTo("/legacy");
        assertThat(event.type()).isEqualTo("toon.submitted");
        assertThat(event.subject()).contains("leia");
        assertThat(event.key()).contains("leia");
        assertThat(event.dataContentType()).contains("application/json");
        assertThat(event.header("traceparent")).contains("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(event.data()).isEqualTo(new Toon("Leia", "Jedi"));
    }

    @Test
    @DisplayName("structured mode with data_base64 decodes the payload")
    void structuredBase64() {
        Wire wire = wire(ChannelSettings.Format.CLOUDEVENTS, null, null);
        String body = "{\"specversion\":\"1.0\",\"id\":\"s-2\",\"source\":\"/x\",\"type\":\"t\","
                + "\"datacontenttype\":\"application/octet-stream\",\"data_base64\":\"AQID\"}";
        Message m = new Message(Map.of("datacontenttype", "application/cloudevents+json"), Map.of(), body, null, null);

        Event<byte[]> event = wire.toEvent(m, byte[].class, false);

        assertThat(event.data()).containsExactly(1, 2, 3);
    }

    @Test
    @DisplayName("a structured-mode message that is not a CloudEvent is invalid, with the reason")
    void structuredInvalid() {
        Wire wire = wire(ChannelSettings.Format.CLOUDEVENTS, null, null);
        Message notJson = new Message(Map.of("datacontenttype", "application/cloudevents+json"), Map.of(), "nope",
                null, null);
        Message noType = new Message(Map.of("datacontenttype", "application/cloudevents+json"), Map.of(),
                "{\"specversion\":\"1.0\",\"id\":\"a\",\"source\":\"/s\",\"data\":{}}", null, null);

        assertThat(catchThrowableOfType(PoisonException.class, () -> wire.toEvent(notJson, Toon.class, false)))
                .hasMessageStartingWith("Structured CloudEvent (application/cloudevents+json) is not JSON: ")
                .extracting(PoisonException::reason).isEqualTo("invalid");
        assertThat(catchThrowableOfType(PoisonException.class, () -> wire.toEvent(noType, Toon.class, false)))
                .hasMessage("CloudEvents attribute 'type' is missing");
    }

    @Test
    @DisplayName("an oversize payload is rejected in either format")
    void oversize() {
        Wire wire = new Wire(settings(ChannelSettings.Format.PLAIN, null, null, 4), Codec.json(), "shop");
        Message m = new Message(Map.of(), Map.of(), "{\"name\":\"Leia\"}", null, null);

        assertThat(catchThrowableOfType(PoisonException.class, () -> wire.validate(m)).reason()).isEqualTo("oversize");
    }

    private static Wire wire(ChannelSettings.Format format, String type, String source) {
        return new Wire(settings(format, type, source, 1 << 20), Codec.json(), "shop");
    }

    private static ChannelSettings settings(ChannelSettings.Format format, String type, String source, int maxPayload) {
        return new ChannelSettings("orders", "toons", "g", 1, 10, 3, Duration.ofMillis(5), Duration.ofSeconds(1), 2.0,
                0, "toons.dlq", maxPayload, Duration.ofSeconds(30), null, Duration.ZERO, format, type, source,
                Map.of());
    }

    private record Message(Map<String, String> attributes, Map<String, String> headers, String body, String messageId,
            Instant timestamp) implements IncomingMessage {
        @Override
        public String destination() {
            return "toons";
        }

        @Override
        public int partition() {
            return 0;
        }

        @Override
        public long offset() {
            return -1;
        }

        @Override
        public String key() {
            return null;
        }

        @Override
        public byte[] payload() {
            return body.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int deliveryCount() {
            return 1;
        }

        @Override
        public void ack() {
        }
    }
}
