package io.twelvefold.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twelvefold.core.App;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.StoredMessage;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Dead letters through {@link io.twelvefold.core.spi.Transport#deadLetters()}, for a transport that
 * offers a {@link DeadLetterStore} (skipped, visibly, for one that does not): a browse leaves the
 * dead-letter destination exactly as it was, in order; a removal removes exactly one, once. And a
 * dead letter is terminal: a processor of a dead-letter destination dead-letters nothing.
 */
abstract class DeadLetterScenarios extends KitGroup {

    DeadLetterScenarios(TransportConformanceKit kit) {
        super(kit);
    }

    @Test
    @DisplayName("Browsing dead letters twice gives the same messages in the same order; removing one leaves the others, and removing it again does nothing")
    void browseLeavesThemAndRemoveTakesOne() throws Exception {
        Optional<DeadLetterStore> offered = rawTransport().deadLetters();
        assumeTrue(offered.isPresent(), "the transport offers no DeadLetterStore (Transport.deadLetters() is empty)");
        DeadLetterStore store = offered.get();
        String destination = uniqueName("dead");
        String group = uniqueName("group");
        String dlq = deadLetterDestination(destination);
        try {
            store.browse(dlq, group, 1);
        } catch (TransportException e) {
            assumeTrue(false, "the DeadLetterStore refuses this configuration: " + e.getMessage());
        }
        start(consumer(destination, group).processor(INPUT, Order.class, (event, ctx) -> {
            throw ProcessingException.fatal("poison " + event.data().sequence());
        }));
        publishAll(startPublisher(destination), orders(3, 1));
        await("three dead letters in " + dlq).until(() -> store.browse(dlq, group, 10).size() == 3);

        List<String> first = shapes(store.browse(dlq, group, 10));
        List<StoredMessage> browsed = store.browse(dlq, group, 10);
        assertThat(shapes(browsed)).as("a second browse").isEqualTo(first);
        assertThat(browsed).allSatisfy(m -> assertThat(m.headers()).containsEntry(DeadLetterHeaders.REASON, "fatal"));

        assertThat(store.remove(browsed.get(0))).as("the first removal").isTrue();
        assertThat(store.remove(browsed.get(0))).as("a second removal of the same").isFalse();
        assertThat(shapes(store.browse(dlq, group, 10))).as("what is left").isEqualTo(first.subList(1, 3));
    }

    @Test
    @DisplayName("A processor of a dead-letter destination has no dead letters of its own: one that fails again stays unacknowledged, goes to the next consumer after a graceful stop, and nothing named <destination>.dlq.dlq is created")
    void deadLettersAreTerminal() throws Exception {
        assumeCapability(Capability.REDELIVERY);
        String destination = uniqueName("terminal");
        String group = uniqueName("group");
        String dlq = deadLetterDestination(destination);
        App original = start(consumer(destination, group).processor(INPUT, Order.class, (event, ctx) -> {
            throw ProcessingException.fatal("poison " + event.data().sequence());
        }));
        Event<Order> poison = order("k", 1);
        publishAll(startPublisher(destination), List.of(poison));
        await("the dead letter's confirmation").until(() -> counts().acks(poison.id()) == 1);
        original.close();

        AtomicInteger attempts = new AtomicInteger();
        App failing = start(reader(dlq, group).processor(INPUT, Order.class, (event, ctx) -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("still failing " + event.id());
        }));
        await("both attempts of the dead-letter reader").until(() -> attempts.get() == 2);
        await("the dead letter kept").during(Duration.ofMillis(500)).atMost(timeout())
                .until(() -> attempts.get() == 2 && counts().acks(poison.id()) == 1);
        failing.close();
        assertThat(counts().acks(poison.id())).as("acknowledgements after a graceful stop").isEqualTo(1);

        List<String> processed = new CopyOnWriteArrayList<>();
        start(reader(dlq, group).processor(INPUT, Order.class, (event, ctx) -> processed.add(event.id())));
        await("the dead letter at the next consumer").until(() -> processed.contains(poison.id()));
        await("its acknowledgement").until(() -> counts().acks(poison.id()) == 2);

        for (String name : List.of(dlq + DLQ_SUFFIX, dlq + DLQ_SUFFIX + "." + group)) {
            Optional<Boolean> exists = exists(name);
            assumeTrue(exists.isPresent(), "the kit subclass cannot tell whether a broker object exists "
                    + "(TransportConformanceKit.exists is not overridden)");
            assertThat(exists.get()).as("whether '" + name + "' exists").isFalse();
        }
    }

    /** An app whose {@value #INPUT} channel reads a dead-letter destination: two attempts, 10 ms apart. */
    private App.Builder reader(String dlq, String group) {
        return appBuilder()
                .config(channelKey(INPUT, "destination"), dlq)
                .config(channelKey(INPUT, "group"), group)
                .config(channelKey(INPUT, "max-attempts"), "2")
                .config(channelKey(INPUT, "backoff.initial"), "10ms")
                .config(channelKey(INPUT, "backoff.jitter"), "0");
    }

    /** What a browse returned, comparable: key, attributes, headers and payload of each. */
    private static List<String> shapes(List<StoredMessage> messages) {
        return messages.stream().map(m -> m.key() + " " + new java.util.TreeMap<>(m.attributes()) + " " + new java.util.TreeMap<>(m.headers())
                + " " + new String(m.payload(), UTF_8)).toList();
    }
}
