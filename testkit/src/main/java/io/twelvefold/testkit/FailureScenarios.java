package io.twelvefold.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import io.twelvefold.core.App;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Failures: retries with exponential backoff, dead letters with every header after the last
 * attempt, and poison messages (undecodable, oversize, invalid, fatal) dead-lettered at once;
 * with {@link Capability#DELAYED_REDELIVERY}, retries handed to the broker.
 */
abstract class FailureScenarios extends KitGroup {
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    FailureScenarios(TransportConformanceKit kit) {
        super(kit);
    }

    @Test
    @DisplayName("An event whose processor fails twice is processed on the third attempt and acknowledged once")
    void redeliveryAfterProcessorException() throws Exception {
        String destination = uniqueName("retry");
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Integer> succeeded = new CopyOnWriteArrayList<>();
        App app = start(consumer(destination, uniqueName("group"))
                .config(channelKey(INPUT, "max-attempts"), "5")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(ctx.attempt());
                    if (ctx.attempt() < 3) {
                        throw new IllegalStateException("kit: transient failure " + ctx.attempt());
                    }
                    succeeded.add(ctx.attempt());
                }));
        Event<Order> event = order("key-1", 0);
        publishAll(app, List.of(event));

        await("the event to be acknowledged").until(() -> counts().acks(event.id()) >= 1);
        assertThat(attempts).as("attempt numbers seen by the processor").containsExactly(1, 2, 3);
        assertThat(succeeded).as("successful attempts").containsExactly(3);
        assertThat(counts().acks(event.id())).as("acknowledgements").isEqualTo(1);
        assertThat(counts().deliveries(event.id())).as("deliveries (retries happen in the runtime)").isEqualTo(1);
    }

    @Test
    @DisplayName("Retries back off exponentially: with max-attempts 4, 50ms initial and multiplier 2, attempts 1 to 4 are at least 50, 100 and 200 ms apart")
    void exponentialBackoff() throws Exception {
        record Attempt(int number, long nanos) {
        }
        String destination = uniqueName("backoff");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        App app = start(consumer(destination, uniqueName("group"))
                .config(channelKey(INPUT, "max-attempts"), "4")
                .config(channelKey(INPUT, "backoff.initial"), "50ms")
                .config(channelKey(INPUT, "backoff.multiplier"), "2")
                .config(channelKey(INPUT, "backoff.max"), "10s")
                .config(channelKey(INPUT, "backoff.jitter"), "0")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(new Attempt(ctx.attempt(), System.nanoTime()));
                    throw new IllegalStateException("kit: always failing");
                }));
        publishAll(app, List.of(order("key-1", 0)));

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        assertThat(attempts).extracting(Attempt::number).as("attempt numbers").containsExactly(1, 2, 3, 4);
        assertThat(dead.headers().get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS).isEqualTo("4");
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < attempts.size(); i++) {
            gaps.add(Duration.ofNanos(attempts.get(i).nanos() - attempts.get(i - 1).nanos()));
        }
        // lower bounds only: a busy machine may be late, never early (1 ms for clock granularity)
        assertSoftly(s -> {
            s.assertThat(gaps.get(0)).as("gap between attempts 1 and 2").isGreaterThanOrEqualTo(Duration.ofMillis(49));
            s.assertThat(gaps.get(1)).as("gap between attempts 2 and 3").isGreaterThanOrEqualTo(Duration.ofMillis(99));
            s.assertThat(gaps.get(2)).as("gap between attempts 3 and 4").isGreaterThanOrEqualTo(Duration.ofMillis(199));
        });
    }

    @Test
    @DisplayName("After max-attempts the original bytes, key, attributes and headers go to <destination>.dlq with every dead-letter header")
    void deadLetterAfterMaxAttempts() throws Exception {
        String destination = uniqueName("exhausted");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "3")
                .config(channelKey(INPUT, "backoff.initial"), "100ms")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(ctx.attempt());
                    throw new IllegalStateException("kit failure of " + event.id());
                }));

        String id = uniqueName("id");
        Map<String, String> attributes = attributes(id);
        attributes.put("time", "2024-05-04T12:30:15.123+02:00");
        attributes.put("subject", "orders/key-7");
        Map<String, String> headers = Map.of("traceparent", TRACEPARENT, "x-kit-custom", "kept as it was");
        byte[] payload = json(new Order("key-7", 7, "dead on arrival"));
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        send(destination, new OutgoingMessage("key-7", attributes, headers, payload));

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("the input to be acknowledged once dead-lettered").until(() -> counts().acks(id) >= 1);
        Instant after = Instant.now();
        DeliveryCounts.Delivery delivery = counts().firstDelivery(id).orElseThrow();
        Map<String, String> h = dead.headers();
        assertSoftly(s -> {
            s.assertThat(dead.payload()).as("payload bytes").isEqualTo(payload);
            s.assertThat(dead.key()).as("key").isEqualTo("key-7");
            s.assertThat(dead.attributes()).as("attributes").isEqualTo(attributes);
            s.assertThat(h).as("original headers").containsAllEntriesOf(headers);
            s.assertThat(h.get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON).isEqualTo("exhausted");
            s.assertThat(h.get(DeadLetterHeaders.CHANNEL)).as(DeadLetterHeaders.CHANNEL).isEqualTo(INPUT);
            s.assertThat(h.get(DeadLetterHeaders.GROUP)).as(DeadLetterHeaders.GROUP).isEqualTo(group);
            s.assertThat(h.get(DeadLetterHeaders.ORIGINAL_DESTINATION)).as(DeadLetterHeaders.ORIGINAL_DESTINATION)
                    .isEqualTo(destination);
            s.assertThat(h.get(DeadLetterHeaders.ORIGINAL_PARTITION)).as(DeadLetterHeaders.ORIGINAL_PARTITION)
                    .isEqualTo(String.valueOf(delivery.partition()));
            s.assertThat(h.get(DeadLetterHeaders.ORIGINAL_OFFSET)).as(DeadLetterHeaders.ORIGINAL_OFFSET)
                    .isEqualTo(String.valueOf(delivery.offset()));
            s.assertThat(h.get(DeadLetterHeaders.EXCEPTION_CLASS)).as(DeadLetterHeaders.EXCEPTION_CLASS)
                    .isEqualTo(IllegalStateException.class.getName());
            s.assertThat(h.get(DeadLetterHeaders.EXCEPTION_MESSAGE)).as(DeadLetterHeaders.EXCEPTION_MESSAGE)
                    .isEqualTo("kit failure of " + id);
            s.assertThat(h.get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS).isEqualTo("3");
            s.assertThat(attempts).as("attempt numbers seen by the processor").containsExactly(1, 2, 3);
            s.assertThat(counts().acks(id)).as("acknowledgements of the input").isEqualTo(1);
        });
        Instant first = instant(h, DeadLetterHeaders.FIRST_FAILURE);
        Instant last = instant(h, DeadLetterHeaders.LAST_FAILURE);
        assertThat(first).as(DeadLetterHeaders.FIRST_FAILURE).isBetween(before, after);
        assertThat(last).as(DeadLetterHeaders.LAST_FAILURE).isBetween(before, after).isAfter(first);
    }

    @Test
    @DisplayName("With retry.broker-delay-from, long retries go through the broker: the copies come back to the same group only, the attempt count goes on, and the dead letter reports every attempt and the first failure")
    void retriesHandedToTheBroker() throws Exception {
        assumeCapability(Capability.DELAYED_REDELIVERY);
        record Attempt(int number, long nanos, Instant at, Map<String, String> headers) {
        }
        String destination = uniqueName("broker-retry");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        MessageCollector otherGroup = collect(destination);
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        // backoff 100ms before attempt 2 (in the process), then 200ms and 400ms (on the broker)
        App app = start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "4")
                .config(channelKey(INPUT, "backoff.initial"), "100ms")
                .config(channelKey(INPUT, "backoff.multiplier"), "2")
                .config(channelKey(INPUT, "backoff.max"), "10s")
                .config(channelKey(INPUT, "backoff.jitter"), "0")
                .config(channelKey(INPUT, "retry.broker-delay-from"), "200ms")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(new Attempt(ctx.attempt(), System.nanoTime(), Instant.now(), event.headers()));
                    throw new IllegalStateException("kit: failing attempt " + ctx.attempt());
                }));
        Event<Order> event = order("key-1", 0);
        publishAll(app, List.of(event));

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("every delivery to be acknowledged").until(() -> counts().acks(event.id()) >= 3);
        Map<String, String> h = dead.headers();
        assertSoftly(s -> {
            s.assertThat(attempts).extracting(Attempt::number).as("attempt numbers").containsExactly(1, 2, 3, 4);
            s.assertThat(counts().deliveries(event.id())).as("deliveries: the original and a copy for attempts 3 and 4")
                    .isEqualTo(3);
            s.assertThat(counts().acks(event.id())).as("acknowledgements: each delivery once").isEqualTo(3);
            s.assertThat(h.get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON).isEqualTo("exhausted");
            s.assertThat(h.get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS).isEqualTo("4");
            s.assertThat(h.get(DeadLetterHeaders.EXCEPTION_MESSAGE)).as(DeadLetterHeaders.EXCEPTION_MESSAGE)
                    .isEqualTo("kit: failing attempt 4");
            s.assertThat(h).as("dead-letter headers").doesNotContainKeys("twelvefold-retry-attempts",
                    "twelvefold-retry-first-failure");
            s.assertThat(dead.payload()).as("payload bytes").isEqualTo(json(event.data()));
            s.assertThat(dead.key()).as("key").isEqualTo("key-1");
            s.assertThat(dead.attributes().get("id")).as("id attribute").isEqualTo(event.id());
            for (Attempt a : attempts) {
                s.assertThat(a.headers()).as("headers the processor saw at attempt %s", a.number())
                        .doesNotContainKeys("twelvefold-retry-attempts", "twelvefold-retry-first-failure");
            }
        });
        // the first failure is that of attempt 1, carried across both copies
        Instant first = instant(h, DeadLetterHeaders.FIRST_FAILURE);
        assertThat(first).as(DeadLetterHeaders.FIRST_FAILURE)
                .isAfterOrEqualTo(attempts.get(0).at()).isBeforeOrEqualTo(attempts.get(1).at());
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < attempts.size(); i++) {
            gaps.add(Duration.ofNanos(attempts.get(i).nanos() - attempts.get(i - 1).nanos()));
        }
        assertSoftly(s -> {
            s.assertThat(gaps.get(0)).as("gap between attempts 1 and 2").isGreaterThanOrEqualTo(Duration.ofMillis(99));
            s.assertThat(gaps.get(1)).as("gap between attempts 2 and 3").isGreaterThanOrEqualTo(Duration.ofMillis(199));
            s.assertThat(gaps.get(2)).as("gap between attempts 3 and 4").isGreaterThanOrEqualTo(Duration.ofMillis(399));
        });
        // the copies went to this group only: another group of the destination got the event once
        awaitMessages(otherGroup, 1);
        assertThat(otherGroup.messages()).as("messages of another group on the destination").hasSize(1)
                .allSatisfy(m -> assertThat(m.headers()).doesNotContainKey("twelvefold-retry-attempts"));
    }

    @Test
    @DisplayName("An undecodable payload is dead-lettered at once (reason undecodable) and never reaches the processor")
    void undecodablePayloadIsDeadLettered() throws Exception {
        String destination = uniqueName("undecodable");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<String> processed = new CopyOnWriteArrayList<>();
        start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "5")
                .config(channelKey(INPUT, "backoff.initial"), "100ms")
                .processor(INPUT, Order.class, (event, ctx) -> processed.add(event.id())));

        String poisonId = uniqueName("poison");
        byte[] poison = "not json".getBytes(UTF_8);
        send(destination, new OutgoingMessage("poison", attributes(poisonId), Map.of(), poison));
        String healthyId = sendHealthy(destination);

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("the healthy event after it to be processed").until(() -> processed.contains(healthyId));
        await("the poison message to be acknowledged").until(() -> counts().acks(poisonId) >= 1);
        assertSoftly(s -> {
            s.assertThat(processed).as("events the processor saw").containsExactly(healthyId);
            s.assertThat(dead.headers().get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON)
                    .isEqualTo("undecodable");
            s.assertThat(dead.headers().get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS)
                    .isIn("0", "1");
            assertPoison(s, dead, destination, group, poisonId, "poison", poison);
        });
    }

    @Test
    @DisplayName("A payload larger than max-payload-size is dead-lettered at once (reason oversize) and never reaches the processor")
    void oversizePayloadIsDeadLettered() throws Exception {
        String destination = uniqueName("oversize");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<String> processed = new CopyOnWriteArrayList<>();
        start(consumer(destination, group)
                .config(channelKey(INPUT, "max-payload-size"), "256")
                .processor(INPUT, Order.class, (event, ctx) -> processed.add(event.id())));

        String bigId = uniqueName("big");
        byte[] big = json(new Order("big", 0, "x".repeat(4_000)));
        send(destination, new OutgoingMessage("big", attributes(bigId), Map.of(), big));
        String healthyId = sendHealthy(destination);

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("the healthy event after it to be processed").until(() -> processed.contains(healthyId));
        await("the oversize message to be acknowledged").until(() -> counts().acks(bigId) >= 1);
        assertSoftly(s -> {
            s.assertThat(processed).as("events the processor saw").containsExactly(healthyId);
            s.assertThat(dead.headers().get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON)
                    .isEqualTo("oversize");
            s.assertThat(dead.headers().get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS)
                    .isEqualTo("0");
            assertPoison(s, dead, destination, group, bigId, "big", big);
        });
    }

    @Test
    @DisplayName("A message without the required 'type' attribute is dead-lettered at once (reason invalid) and never reaches the processor")
    void missingAttributeIsDeadLettered() throws Exception {
        String destination = uniqueName("invalid");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<String> processed = new CopyOnWriteArrayList<>();
        start(consumer(destination, group)
                .processor(INPUT, Order.class, (event, ctx) -> processed.add(event.id())));

        String invalidId = uniqueName("invalid");
        Map<String, String> attributes = attributes(invalidId);
        attributes.remove("type");
        byte[] payload = json(new Order("invalid", 0, "no type"));
        send(destination, new OutgoingMessage("invalid", attributes, Map.of(), payload));
        String healthyId = sendHealthy(destination);

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("the healthy event after it to be processed").until(() -> processed.contains(healthyId));
        await("the invalid message to be acknowledged").until(() -> counts().acks(invalidId) >= 1);
        assertSoftly(s -> {
            s.assertThat(processed).as("events the processor saw").containsExactly(healthyId);
            s.assertThat(dead.headers().get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON)
                    .isEqualTo("invalid");
            s.assertThat(dead.headers().get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS)
                    .isEqualTo("0");
            s.assertThat(dead.headers().get(DeadLetterHeaders.EXCEPTION_MESSAGE)).as(DeadLetterHeaders.EXCEPTION_MESSAGE)
                    .contains("type");
            s.assertThat(dead.attributes()).as("attributes").doesNotContainKey("type");
            assertPoison(s, dead, destination, group, invalidId, "invalid", payload);
        });
    }

    @Test
    @DisplayName("ProcessingException.fatal(...) dead-letters the event after one attempt (reason fatal)")
    void fatalProcessingExceptionIsNotRetried() throws Exception {
        String destination = uniqueName("fatal");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        App app = start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "5")
                .config(channelKey(INPUT, "backoff.initial"), "100ms")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(ctx.attempt());
                    throw ProcessingException.fatal("kit: " + event.id() + " can never be processed");
                }));
        Event<Order> event = order("key-1", 0);
        publishAll(app, List.of(event));

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("the event to be acknowledged once dead-lettered").until(() -> counts().acks(event.id()) >= 1);
        assertSoftly(s -> {
            s.assertThat(attempts).as("attempt numbers seen by the processor").containsExactly(1);
            s.assertThat(dead.headers().get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON).isEqualTo("fatal");
            s.assertThat(dead.headers().get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS).isEqualTo("1");
            s.assertThat(dead.headers().get(DeadLetterHeaders.EXCEPTION_CLASS)).as(DeadLetterHeaders.EXCEPTION_CLASS)
                    .isEqualTo(ProcessingException.class.getName());
            s.assertThat(dead.headers().get(DeadLetterHeaders.EXCEPTION_MESSAGE)).as(DeadLetterHeaders.EXCEPTION_MESSAGE)
                    .isEqualTo("kit: " + event.id() + " can never be processed");
            s.assertThat(dead.attributes().get("id")).as("id attribute").isEqualTo(event.id());
            s.assertThat(dead.key()).as("key").isEqualTo("key-1");
            s.assertThat(dead.payload()).as("payload bytes").isEqualTo(json(event.data()));
        });
    }

    @Test
    @DisplayName("An exception whose type (or supertype) is registered with nonRetryable(...) dead-letters the event after one attempt (reason fatal)")
    void nonRetryableExceptionTypeIsNotRetried() throws Exception {
        String destination = uniqueName("non-retryable");
        String group = uniqueName("group");
        MessageCollector deadLetters = collect(deadLetterDestination(destination));
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        App app = start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "5")
                .config(channelKey(INPUT, "backoff.initial"), "100ms")
                .nonRetryable(IllegalArgumentException.class)
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(ctx.attempt());
                    // a subtype of the registered type
                    throw new NumberFormatException("kit: no number in " + event.id());
                }));
        Event<Order> event = order("key-1", 0);
        publishAll(app, List.of(event));

        IncomingMessage dead = awaitMessages(deadLetters, 1).get(0);
        await("the event to be acknowledged once dead-lettered").until(() -> counts().acks(event.id()) >= 1);
        assertSoftly(s -> {
            s.assertThat(attempts).as("attempt numbers seen by the processor").containsExactly(1);
            s.assertThat(dead.headers().get(DeadLetterHeaders.REASON)).as(DeadLetterHeaders.REASON).isEqualTo("fatal");
            s.assertThat(dead.headers().get(DeadLetterHeaders.ATTEMPTS)).as(DeadLetterHeaders.ATTEMPTS).isEqualTo("1");
            s.assertThat(dead.headers().get(DeadLetterHeaders.EXCEPTION_CLASS)).as(DeadLetterHeaders.EXCEPTION_CLASS)
                    .isEqualTo(NumberFormatException.class.getName());
            s.assertThat(dead.headers().get(DeadLetterHeaders.EXCEPTION_MESSAGE)).as(DeadLetterHeaders.EXCEPTION_MESSAGE)
                    .isEqualTo("kit: no number in " + event.id());
        });
    }

    private void assertPoison(SoftAssertions s, IncomingMessage dead, String destination,
            String group, String id, String key, byte[] payload) {
        s.assertThat(dead.payload()).as("payload bytes").isEqualTo(payload);
        s.assertThat(dead.key()).as("key").isEqualTo(key);
        s.assertThat(dead.attributes().get("id")).as("id attribute").isEqualTo(id);
        s.assertThat(dead.headers().get(DeadLetterHeaders.CHANNEL)).as(DeadLetterHeaders.CHANNEL).isEqualTo(INPUT);
        s.assertThat(dead.headers().get(DeadLetterHeaders.GROUP)).as(DeadLetterHeaders.GROUP).isEqualTo(group);
        s.assertThat(dead.headers().get(DeadLetterHeaders.ORIGINAL_DESTINATION))
                .as(DeadLetterHeaders.ORIGINAL_DESTINATION).isEqualTo(destination);
        s.assertThat(counts().acks(id)).as("acknowledgements of the poison message").isEqualTo(1);
    }

    private static Instant instant(Map<String, String> headers, String name) {
        String value = headers.get(name);
        assertThat(value).as(name).isNotBlank();
        return Instant.parse(value);
    }
}
