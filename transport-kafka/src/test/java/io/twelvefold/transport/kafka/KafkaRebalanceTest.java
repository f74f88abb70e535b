package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.Order;
import io.twelvefold.testkit.TransportFixture;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Kafka scenarios on top of the kit's fixtures: rebalances during retries, partitions versus concurrency. */
class KafkaRebalanceTest extends TransportFixture {

    @Override
    protected TransportProvider provider() {
        return new KafkaTransportProvider();
    }

    @Override
    protected Map<String, String> config() {
        return EmbeddedKafka.config();
    }

    @Test
    @DisplayName("A second member joins while events wait for a retry: nothing is lost, no event succeeds or is acknowledged twice")
    void rebalanceInTheMiddleOfARetry() throws Exception {
        String destination = uniqueName("rebalance");
        String group = uniqueName("group");
        Map<String, Integer> succeeded = new ConcurrentHashMap<>();
        Map<String, Integer> byB = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        // every third event fails its first attempt at A and waits 300 ms for its retry
        App memberA = start(consumer(destination, group)
                .config(channelKey(INPUT, "concurrency"), "4")
                .config(channelKey(INPUT, "max-attempts"), "5")
                .config(channelKey(INPUT, "backoff.initial"), "300ms")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                    if (ctx.attempt() == 1 && event.data().sequence() % 3 == 0) {
                        failures.incrementAndGet();
                        throw new IllegalStateException("transient failure of " + event.id());
                    }
                    succeeded.merge(event.id(), 1, Integer::sum);
                }));
        List<Event<Order>> events = orders(600, 30);
        publishAll(memberA, events);
        await("member A to have events waiting for a retry").until(() -> failures.get() >= 10);

        start(consumer(destination, group)
                .config(channelKey(INPUT, "concurrency"), "4")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    succeeded.merge(event.id(), 1, Integer::sum);
                    byB.merge(event.id(), 1, Integer::sum);
                }));

        await("every event to succeed and be acknowledged").untilAsserted(() -> {
            assertContainsAll("the events that succeeded", succeeded.keySet(), ids(events));
            assertContainsAll("the acknowledged events", counts().acks().keySet(), ids(events));
        });
        assertThat(byB).as("events member B processed: it got partitions").isNotEmpty();
        assertThat(moreThanOnce(succeeded)).as("events that succeeded more than once").isEmpty();
        assertThat(moreThanOnce(counts().acks())).as("events acknowledged more than once").isEmpty();
    }

    @Test
    @DisplayName("3 partitions and concurrency 4: 3,000 events over 30 keys keep each key's order, one at a time")
    void threePartitionsFourWayConcurrency() throws Exception {
        String destination = uniqueName("order-3x4");
        Map<String, Integer> lastSequence = new ConcurrentHashMap<>();
        Map<String, Integer> processed = new ConcurrentHashMap<>();
        Set<String> inProgress = ConcurrentHashMap.newKeySet();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        App app = start(consumer(destination, uniqueName("group"))
                .config("twelvefold.kafka.topic-partitions", "3")
                .config(channelKey(INPUT, "concurrency"), "4")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    Order order = event.data();
                    if (!inProgress.add(order.key())) {
                        violations.add("overlap " + order.key() + "#" + order.sequence());
                    }
                    maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                    try {
                        Integer previous = lastSequence.put(order.key(), order.sequence());
                        if (previous != null && previous >= order.sequence()) {
                            violations.add(order.key() + ": " + previous + " then " + order.sequence());
                        }
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(300));
                        processed.merge(event.id(), 1, Integer::sum);
                    } finally {
                        active.decrementAndGet();
                        inProgress.remove(order.key());
                    }
                }));
        List<Event<Order>> events = orders(3_000, 30);
        publishAll(app, events);

        await("all 3,000 events to be processed").untilAsserted(() ->
                assertContainsAll("the processed events", processed.keySet(), ids(events)));
        assertThat(List.copyOf(violations)).as("order violations and overlaps").isEmpty();
        assertThat(moreThanOnce(processed)).as("events processed more than once").isEmpty();
        assertThat(maxActive.get()).as("events processed at the same moment").isBetween(2, 4);
        assertThat(rawTransportPartitions(destination)).as("partitions of the topic").isEqualTo(3);
    }

    private int rawTransportPartitions(String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).partitions().size();
        }
    }

    private static Map<String, Integer> moreThanOnce(Map<String, Integer> counts) {
        Map<String, Integer> more = new TreeMap<>(counts);
        more.values().removeIf(n -> n <= 1);
        return more;
    }
}
