package io.twelvefold.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Ordering: the events of one key are processed one at a time, in order, while different keys run concurrently. */
abstract class OrderingScenarios extends KitGroup {

    OrderingScenarios(TransportConformanceKit kit) {
        super(kit);
    }

    @Test
    @DisplayName("With concurrency 8, 10,000 events over 100 keys are each processed once, each key's in order and one at a time, several keys at once")
    void perKeyOrderUnderConcurrency() throws Exception {
        String destination = uniqueName("ordering");
        int total = 10_000;
        int keys = 100;
        Map<String, Integer> lastSequence = new ConcurrentHashMap<>();
        Map<String, Integer> processed = new ConcurrentHashMap<>();
        Set<String> keysInProgress = ConcurrentHashMap.newKeySet();
        Queue<String> outOfOrder = new ConcurrentLinkedQueue<>();
        Queue<String> overlapping = new ConcurrentLinkedQueue<>();
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();

        App app = start(consumer(destination, uniqueName("group"))
                .config(channelKey(INPUT, "concurrency"), "8")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    Order order = event.data();
                    if (!keysInProgress.add(order.key())) {
                        overlapping.add(order.key() + "#" + order.sequence());
                    }
                    maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                    try {
                        Integer previous = lastSequence.put(order.key(), order.sequence());
                        if (previous != null && previous >= order.sequence()) {
                            outOfOrder.add(order.key() + ": " + previous + " then " + order.sequence());
                        }
                        // a little work, so that keys can overlap
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
                        processed.merge(event.id(), 1, Integer::sum);
                    } finally {
                        active.decrementAndGet();
                        keysInProgress.remove(order.key());
                    }
                }));

        List<Event<Order>> events = orders(total, keys);
        publishAll(app, events);

        await("all 10,000 events to be processed").untilAsserted(() ->
                assertContainsAll("the processed events", processed.keySet(), ids(events)));
        assertThat(List.copyOf(outOfOrder)).as("keys whose sequence numbers did not strictly increase").isEmpty();
        assertThat(List.copyOf(overlapping)).as("events that started while another event of their key was running")
                .isEmpty();
        assertThat(moreThanOnce(processed)).as("events processed more than once").isEmpty();
        assertThat(processed).as("processed events").hasSize(total);
        assertThat(maxActive.get()).as("the most events processed at the same moment (concurrency 8)")
                .isGreaterThan(1)
                .isLessThanOrEqualTo(8);
    }
}
