package io.twelvefold.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.Capability;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Delivery: the envelope survives the trip, every group gets every event, members of one group
 * share them, and a member that stops while events are in flight loses none of them.
 */
abstract class DeliveryScenarios extends KitGroup {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    DeliveryScenarios(TransportConformanceKit kit) {
        super(kit);
    }

    @Test
    @DisplayName("An event arrives with its id, source, type, specversion, time, subject, datacontenttype, key, headers and payload intact")
    void roundTripKeepsTheEnvelope() throws Exception {
        String destination = uniqueName("round-trip");
        AtomicReference<Event<Order>> received = new AtomicReference<>();
        AtomicReference<String> channel = new AtomicReference<>();
        AtomicReference<Integer> attempt = new AtomicReference<>();
        AtomicReference<Map<String, String>> contextHeaders = new AtomicReference<>();
        App app = start(consumer(destination, uniqueName("group"))
                .processor(INPUT, Order.class, (event, ctx) -> {
                    channel.set(ctx.channel());
                    attempt.set(ctx.attempt());
                    contextHeaders.set(ctx.headers());
                    received.set(event);
                }));

        Event<Order> sent = Event.builder(new Order("key-1", 1, "Grüße, 世界 \"quoted\""))
                .id(uniqueName("id"))
                .source(SOURCE)
                .type(TYPE)
                .time(OffsetDateTime.of(2024, 5, 4, 12, 30, 15, 123_000_000, ZoneOffset.ofHours(2)))
                .subject("orders/key-1")
                .dataContentType("application/json")
                .key("key-1")
                .header("traceparent", TRACEPARENT)
                .header("x-kit-custom", "custom value")
                .header("x-kit-unicode", "Grüße, 世界")
                .build();
        app.publisher().publish(OUTPUT, sent).toCompletableFuture().get(timeout().toMillis(), TimeUnit.MILLISECONDS);

        await("the event to be processed").until(() -> received.get() != null);
        Event<Order> got = received.get();
        assertSoftly(s -> {
            s.assertThat(got.id()).as("id").isEqualTo(sent.id());
            s.assertThat(got.source()).as("source").isEqualTo(SOURCE);
            s.assertThat(got.type()).as("type").isEqualTo(TYPE);
            s.assertThat(got.specVersion()).as("specversion").isEqualTo("1.0");
            s.assertThat(got.time().map(OffsetDateTime::toInstant)).as("time")
                    .contains(sent.time().orElseThrow().toInstant());
            s.assertThat(got.subject()).as("subject").contains("orders/key-1");
            s.assertThat(got.dataContentType()).as("datacontenttype").contains("application/json");
            s.assertThat(got.key()).as("key").contains("key-1");
            s.assertThat(got.headers()).as("headers")
                    .containsAllEntriesOf(Map.of("x-kit-custom", "custom value", "x-kit-unicode", "Grüße, 世界"));
            s.assertThat(got.header("traceparent").map(DeliveryScenarios::traceId)).as("trace id of traceparent")
                    .contains(traceId(TRACEPARENT));
            s.assertThat(got.data()).as("payload").isEqualTo(sent.data());
            s.assertThat(channel.get()).as("context channel").isEqualTo(INPUT);
            s.assertThat(attempt.get()).as("context attempt").isEqualTo(1);
            s.assertThat(contextHeaders.get()).as("context headers").isEqualTo(got.headers());
        });
    }

    @Test
    @DisplayName("Two groups on one destination each receive every event once")
    void fanOutToTwoGroups() throws Exception {
        assumeCapability(Capability.FAN_OUT);
        String destination = uniqueName("fan-out");
        Map<String, Integer> first = new ConcurrentHashMap<>();
        Map<String, Integer> second = new ConcurrentHashMap<>();
        start(consumer(destination, uniqueName("group-a"))
                .processor(INPUT, Order.class, (event, ctx) -> first.merge(event.id(), 1, Integer::sum)));
        start(consumer(destination, uniqueName("group-b"))
                .processor(INPUT, Order.class, (event, ctx) -> second.merge(event.id(), 1, Integer::sum)));

        List<Event<Order>> events = orders(100, 10);
        publishAll(startPublisher(destination), events);

        await("both groups to receive all 100 events").untilAsserted(() -> {
            assertContainsAll("the events of the first group", first.keySet(), ids(events));
            assertContainsAll("the events of the second group", second.keySet(), ids(events));
        });
        assertThat(first.keySet()).as("events of the first group").containsExactlyInAnyOrderElementsOf(ids(events));
        assertThat(second.keySet()).as("events of the second group").containsExactlyInAnyOrderElementsOf(ids(events));
        assertThat(moreThanOnce(first)).as("events the first group processed more than once").isEmpty();
        assertThat(moreThanOnce(second)).as("events the second group processed more than once").isEmpty();
    }

    @Test
    @DisplayName("Two members of one group share the events: both process some, together all, none twice")
    void competingConsumersShareTheLoad() throws Exception {
        assumeCapability(Capability.COMPETING_CONSUMERS);
        String destination = uniqueName("shared");
        String group = uniqueName("group");
        Map<String, Integer> memberA = new ConcurrentHashMap<>();
        Map<String, Integer> memberB = new ConcurrentHashMap<>();
        // a little work per event, so that one member cannot drain the destination before the other gets a turn
        start(consumer(destination, group)
                .config(channelKey(INPUT, "max-in-flight"), "20")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    memberA.merge(event.id(), 1, Integer::sum);
                }));
        start(consumer(destination, group)
                .config(channelKey(INPUT, "max-in-flight"), "20")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    memberB.merge(event.id(), 1, Integer::sum);
                }));

        List<Event<Order>> events = orders(1_000, 100);
        publishAll(startPublisher(destination), events);

        await("the two members to process all 1,000 events").untilAsserted(() -> {
            Set<String> union = new HashSet<>(memberA.keySet());
            union.addAll(memberB.keySet());
            assertContainsAll("the events processed by either member", union, ids(events));
        });
        Set<String> both = new HashSet<>(memberA.keySet());
        both.retainAll(memberB.keySet());
        assertThat(memberA).as("events of member A").isNotEmpty();
        assertThat(memberB).as("events of member B").isNotEmpty();
        assertThat(both).as("events processed by both members").isEmpty();
        assertThat(moreThanOnce(memberA)).as("events member A processed more than once").isEmpty();
        assertThat(moreThanOnce(memberB)).as("events member B processed more than once").isEmpty();
        assertThat(memberA.size() + memberB.size()).as("events processed").isEqualTo(events.size());
    }

    @Test
    @DisplayName("Closing a member while events are in flight loses none, and its successor acknowledges none a second time")
    void closingWhileInFlightLosesNothing() throws Exception {
        assumeCapability(Capability.REDELIVERY);
        String destination = uniqueName("handover");
        String group = uniqueName("group");
        Map<String, Integer> byA = new ConcurrentHashMap<>();
        Map<String, Integer> byB = new ConcurrentHashMap<>();
        // A is slow, so that most events are still unprocessed (delivered or not) when it closes
        App memberA = start(consumer(destination, group)
                .config(channelKey(INPUT, "concurrency"), "8")
                .config(channelKey(INPUT, "max-in-flight"), "50")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    byA.merge(event.id(), 1, Integer::sum);
                }));
        List<Event<Order>> events = orders(500, 50);
        publishAll(memberA, events);
        await("member A to complete some events").until(() -> byA.size() >= 10);

        memberA.close();
        int completedByA = byA.size();
        assertThat(completedByA).as("events A completed before it stopped; all 500 means close() did not stop it")
                .isLessThan(events.size());

        start(consumer(destination, group)
                .processor(INPUT, Order.class, (event, ctx) -> byB.merge(event.id(), 1, Integer::sum)));
        await("every event to be processed by A or B, and acknowledged").untilAsserted(() -> {
            Set<String> union = new HashSet<>(byA.keySet());
            union.addAll(byB.keySet());
            assertContainsAll("the events processed by A or B", union, ids(events));
            assertContainsAll("the acknowledged events", counts().acks().keySet(), ids(events));
        });
        assertThat(moreThanOnce(counts().acks())).as("events acknowledged more than once (by A and B, or twice by one)").isEmpty();
        assertThat(byA.size()).as("events A processed after close() returned").isEqualTo(completedByA);
    }

    private static String traceId(String traceparent) {
        String[] parts = traceparent.split("-");
        return parts.length > 1 ? parts[1] : traceparent;
    }
}
