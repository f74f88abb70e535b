package io.twelvefold.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.StoredMessage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Dead letters through {@link io.twelvefold.core.spi.Transport#deadLetters()}, for a transport that
 * offers a {@link DeadLetterStore} (skipped, visibly, for one that does not): a browse leaves the
 * dead-letter destination exactly as it was, in order; a removal removes exactly one, once.
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

    /** What a browse returned, comparable: key, attributes, headers and payload of each. */
    private static List<String> shapes(List<StoredMessage> messages) {
        return messages.stream().map(m -> m.key() + " " + new java.util.TreeMap<>(m.attributes()) + " " + new java.util.TreeMap<>(m.headers())
                + " " + new String(m.payload(), UTF_8)).toList();
    }
}
