package io.twelvefold.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Flow control: a slow processor pauses the consumer instead of letting deliveries pile up, so
 * the memory a subscription holds stays flat however long the backlog is.
 */
abstract class FlowControlScenarios extends KitGroup {

    FlowControlScenarios(TransportConformanceKit kit) {
        super(kit);
    }

    @Test
    @DisplayName("With max-in-flight 50 and a slow processor, delivered-but-unacknowledged events stay within the bound plus the transport's slack, and all 2,000 are processed")
    void inFlightIsBounded() throws Exception {
        String destination = uniqueName("bounded");
        int total = 2_000;
        int maxInFlight = 50;
        Map<String, Integer> processed = new ConcurrentHashMap<>();
        App app = start(consumer(destination, uniqueName("group"))
                .config(channelKey(INPUT, "concurrency"), "8")
                .config(channelKey(INPUT, "max-in-flight"), String.valueOf(maxInFlight))
                .processor(INPUT, Order.class, (event, ctx) -> {
                    // slow work: the backlog builds up faster than it is processed
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    processed.merge(event.id(), 1, Integer::sum);
                }));

        List<Event<Order>> events = orders(total, 200);
        publishAll(app, events);

        await("all 2,000 events to be processed and acknowledged").untilAsserted(() -> {
            assertContainsAll("the processed events", processed.keySet(), ids(events));
            assertContainsAll("the acknowledged events", counts().acks().keySet(), ids(events));
        });
        int bound = maxInFlight + inFlightSlack(maxInFlight);
        assertThat(counts().maxUnacked())
                .as("most events one subscription had delivered and unacknowledged (max-in-flight %d + slack %d)",
                        maxInFlight, inFlightSlack(maxInFlight))
                .isPositive()
                .isLessThanOrEqualTo(bound);
        assertThat(moreThanOnce(processed)).as("events processed more than once").isEmpty();
    }
}
