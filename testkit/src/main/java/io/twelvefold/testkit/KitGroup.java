package io.twelvefold.testkit;

import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * The base of the conformance kit's scenario groups: a fixture of its own for each scenario,
 * configured by the {@link TransportConformanceKit} subclass it is nested in.
 */
abstract class KitGroup extends TransportFixture {
    private final TransportConformanceKit kit;

    KitGroup(TransportConformanceKit kit) {
        this.kit = kit;
    }

    @Override
    protected final TransportProvider provider() {
        return kit.provider();
    }

    @Override
    protected final Map<String, String> config() {
        return kit.config();
    }

    @Override
    protected final Duration timeout() {
        return kit.timeout();
    }

    /** @return the kit subclass's {@link TransportConformanceKit#exists(String)} */
    final java.util.Optional<Boolean> exists(String name) {
        return kit.exists(name);
    }

    /** @return the kit subclass's {@link TransportConformanceKit#inFlightSlack(int)} */
    final int inFlightSlack(int maxInFlight) {
        return kit.inFlightSlack(maxInFlight);
    }

    /**
     * Sends a valid event after a poison message, to show that the processor works and the consumer went on.
     *
     * @return the event's id
     */
    final String sendHealthy(String destination) throws Exception {
        String id = uniqueName("healthy");
        send(destination, new OutgoingMessage("healthy", attributes(id), Map.of(), json(new Order("healthy", 0, "fine"))));
        return id;
    }

    /** @return the ids counted more than once, with their counts, sorted, never null */
    static Map<String, Integer> moreThanOnce(Map<String, Integer> counts) {
        Map<String, Integer> more = new TreeMap<>(counts);
        more.values().removeIf(n -> n <= 1);
        return more;
    }
}
