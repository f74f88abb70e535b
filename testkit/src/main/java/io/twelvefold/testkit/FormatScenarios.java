package io.twelvefold.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import io.twelvefold.core.App;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Formats: a channel's {@code format} meets messages from outside Twelvefold. A plain message
 * (an {@link OutgoingMessage} without {@code specversion}) feeds a {@code plain} channel, the
 * missing CloudEvents attributes derived; a {@code plain} output carries no CloudEvents attribute;
 * a structured-mode CloudEvent is read on a default ({@code cloudevents}) channel; a message that
 * is neither a binary-mode nor a structured-mode CloudEvent is dead-lettered there as invalid.
 */
abstract class FormatScenarios extends KitGroup {
    private static final String JSON = "application/json";
    /** The type a plain channel derives from the kit's payload class, {@link Order}. */
    private static final String DERIVED_TYPE = "io.twelvefold.testkit.order";
    /** The CloudEvents attributes a plain message must not carry (its content type and id aside). */
    private static final String[] ENVELOPE = {"specversion", "source", "type", "time", "subject"};

    FormatScenarios(TransportConformanceKit kit) {
        super(kit);
    }

    @Test
    @DisplayName("A plain message reaches a plain channel as an event: the id is the broker's message id (else a new one), the source the destination, the type from the payload class, the time the broker's timestamp, the payload decoded")
    void plainMessageFeedsAPlainChannel() throws Exception {
        String destination = uniqueName("plain-in");
        List<Event<Order>> received = new CopyOnWriteArrayList<>();
        start(consumer(destination, uniqueName("group"))
                .config(channelKey(INPUT, "format"), "plain")
                .processor(INPUT, Order.class, (event, ctx) -> received.add(event)));

        // one with an id for the protocol's own message id (where it has one), one without; one at a
        // time, so that the deliveries line up with the events
        Order withId = new Order("plain-1", 1, "with an id");
        send(destination, new OutgoingMessage("plain-1", Map.of("id", uniqueName("id"), "datacontenttype", JSON),
                Map.of(), json(withId)));
        await("the plain message with an id to be processed").until(() -> received.size() >= 1);
        Order withoutId = new Order("plain-2", 2, "without an id");
        send(destination, new OutgoingMessage("plain-2", Map.of("datacontenttype", JSON), Map.of(), json(withoutId)));
        await("the plain message without an id to be processed").until(() -> received.size() >= 2);
        await("both messages to be acknowledged").until(() -> counts().totalAcks() >= 2);

        List<DeliveryCounts.Delivery> deliveries = counts().deliveries();
        assertThat(received).extracting(Event::data).as("payloads").containsExactly(withId, withoutId);
        assertThat(deliveries).as("deliveries").hasSize(2);
        assertSoftly(s -> {
            assertDerived(s, "message with an id", received.get(0), deliveries.get(0), destination);
            assertDerived(s, "message without an id", received.get(1), deliveries.get(1), destination);
            s.assertThat(received.get(0).id()).as("id of the second event").isNotEqualTo(received.get(1).id());
            s.assertThat(counts().acks().values()).as("acknowledgements of each message").containsOnly(1);
        });
    }

    /** The attributes a plain channel derives for a plain message, from its delivery. */
    private static void assertDerived(SoftAssertions s, String which, Event<Order> event,
            DeliveryCounts.Delivery delivery, String destination) {
        if (delivery.messageId() != null) {
            s.assertThat(event.id()).as("id of the %s: the broker's message id", which).isEqualTo(delivery.messageId());
        } else {
            s.assertThat(event.id()).as("id of the %s: a new one (no message id)", which).isNotBlank();
        }
        s.assertThat(event.source()).as("source of the %s: the destination", which).isEqualTo(destination);
        s.assertThat(event.type()).as("type of the %s: from the payload class", which).isEqualTo(DERIVED_TYPE);
        s.assertThat(event.specVersion()).as("specversion of the %s", which).isEqualTo(Event.SPEC_VERSION);
        s.assertThat(event.dataContentType()).as("datacontenttype of the %s", which).contains(JSON);
        s.assertThat(event.time().map(OffsetDateTime::toInstant)).as("time of the %s: the broker's timestamp", which)
                .isEqualTo(Optional.ofNullable(delivery.timestamp()));
    }

    @Test
    @DisplayName("A plain channel's output carries no CloudEvents attribute: the payload bytes, the content type and the headers, and the event id only as the protocol's message id")
    void plainChannelWritesPlainMessages() throws Exception {
        String destination = uniqueName("plain-out");
        MessageCollector raw = collect(destination);
        App app = start(appBuilder()
                .output(OUTPUT)
                .config(channelKey(OUTPUT, "destination"), destination)
                .config(channelKey(OUTPUT, "format"), "plain"));
        Event<Order> event = Event.builder(new Order("key-1", 1, "plain out"))
                .id(uniqueName("id"))
                .source(SOURCE)
                .type(TYPE)
                .time(OffsetDateTime.of(2024, 5, 4, 12, 30, 15, 0, ZoneOffset.UTC))
                .subject("orders/key-1")
                .key("key-1")
                .header("x-kit-custom", "custom value")
                .build();
        publishAll(app, List.of(event));

        IncomingMessage message = awaitMessages(raw, 1).get(0);
        assertSoftly(s -> {
            s.assertThat(message.payload()).as("payload bytes").isEqualTo(json(event.data()));
            s.assertThat(message.attributes()).as("CloudEvents attributes").doesNotContainKeys(ENVELOPE);
            s.assertThat(message.attributes().get("datacontenttype")).as("content type").isEqualTo(JSON);
            s.assertThat(message.attributes().getOrDefault("id", event.id())).as("id, where the transport keeps it")
                    .isEqualTo(event.id());
            s.assertThat(message.headers()).as("headers").containsEntry("x-kit-custom", "custom value")
                    .doesNotContainKeys(ENVELOPE);
            s.assertThat(message.headers().keySet()).as("headers of the CloudEvents bindings")
                    .noneMatch(name -> name.startsWith("ce_") || name.startsWith("cloudEvents:"));
        });
    }

    @Test
    @DisplayName("A structured-mode CloudEvent (application/cloudevents+json, the attributes in the JSON body) is read on a default channel with its id, source, type, subject, time, key and data")
    void structuredCloudEventIsRead() throws Exception {
        String destination = uniqueName("structured");
        List<Event<Order>> received = new CopyOnWriteArrayList<>();
        start(consumer(destination, uniqueName("group"))
                .processor(INPUT, Order.class, (event, ctx) -> received.add(event)));

        String id = uniqueName("id");
        Order order = new Order("key-s", 3, "structured");
        String body = "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"" + SOURCE + "\",\"type\":\"" + TYPE
                + "\",\"subject\":\"orders/key-s\",\"time\":\"2024-05-04T12:30:15.123Z\",\"partitionkey\":\"key-s\","
                + "\"datacontenttype\":\"application/json\",\"data\":" + new String(json(order), UTF_8) + "}";
        send(destination, new OutgoingMessage("key-s", Map.of("datacontenttype", "application/cloudevents+json; charset=UTF-8"),
                Map.of(), body.getBytes(UTF_8)));

        await("the structured event to be processed and acknowledged").until(() -> counts().totalAcks() >= 1);
        assertThat(received).as("events processed").hasSize(1);
        Event<Order> got = received.get(0);
        assertSoftly(s -> {
            s.assertThat(got.id()).as("id").isEqualTo(id);
            s.assertThat(got.source()).as("source").isEqualTo(SOURCE);
            s.assertThat(got.type()).as("type").isEqualTo(TYPE);
            s.assertThat(got.specVersion()).as("specversion").isEqualTo(Event.SPEC_VERSION);
            s.assertThat(got.subject()).as("subject").contains("orders/key-s");
            s.assertThat(got.time().map(OffsetDateTime::toInstant)).as("time")
                    .contains(Instant.parse("2024-05-04T12:30:15.123Z"));
            s.assertThat(got.dataContentType()).as("datacontenttype").contains(JSON);
            s.assertThat(got.key()).as("key").contains("key-s");
            s.assertThat(got.data()).as("data").isEqualTo(order);
            s.assertThat(counts().acks().values()).as("acknowledgements").containsExactly(1);
        });
    }

    @Test
    @DisplayName("A message with neither CloudEvents attributes nor the structured content type is dead-lettered at once on a cloudevents channel (reason invalid) and never reaches the processor")
    void plainMessageOnACloudEventsChannelIsInvalid() throws Exception {
        String destination = uniqueName("not-an-event");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<String> processed = new CopyOnWriteArrayList<>();
        start(consumer(destination, group)
                .processor(INPUT, Order.class, (event, ctx) -> processed.add(event.id())));

        byte[] payload = json(new Order("plain", 0, "no envelope"));
        send(destination, new OutgoingMessage("plain", Map.of("datacontenttype", JSON), Map.of(), payload));
        String healthyId = sendHealthy(destination);

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("the healthy event after it to be processed").until(() -> processed.contains(healthyId));
        await("both messages to be acknowledged").until(() -> counts().totalAcks() >= 2);
        Map<String, String> h = dead.headers();
        assertSoftly(s -> {
            s.assertThat(processed).as("events the processor saw").containsExactly(healthyId);
            s.assertThat(h.get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON).isEqualTo("invalid");
            s.assertThat(h.get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS).isEqualTo("0");
            s.assertThat(h.get(DeadLetterHeaders.CHANNEL)).as(DeadLetterHeaders.CHANNEL).isEqualTo(INPUT);
            s.assertThat(h.get(DeadLetterHeaders.GROUP)).as(DeadLetterHeaders.GROUP).isEqualTo(group);
            s.assertThat(h.get(DeadLetterHeaders.ORIGINAL_DESTINATION)).as(DeadLetterHeaders.ORIGINAL_DESTINATION)
                    .isEqualTo(destination);
            s.assertThat(dead.payload()).as("payload bytes").isEqualTo(payload);
            s.assertThat(dead.attributes()).as("attributes").doesNotContainKeys(ENVELOPE);
            s.assertThat(counts().acks().values()).as("acknowledgements of each message").containsOnly(1);
            s.assertThat(counts().totalAcks()).as("acknowledgements").isEqualTo(2);
        });
    }
}
