package io.twelvefold.transport.inmemory;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A named broker in this JVM: its destinations, created on first use. Brokers live as long as the
 * JVM (a transport that closes does not take the messages of the others with it); their memory
 * stays bounded because every destination drops what all its groups acknowledged.
 */
final class InMemoryBroker {
    private static final ConcurrentHashMap<String, InMemoryBroker> BROKERS = new ConcurrentHashMap<>();

    private final String name;
    private final ConcurrentHashMap<String, Destination> destinations = new ConcurrentHashMap<>();

    private InMemoryBroker(String name) {
        this.name = name;
    }

    /**
     * @param name the broker name
     * @return the broker of that name, created on first use
     */
    static InMemoryBroker named(String name) {
        return BROKERS.computeIfAbsent(name, InMemoryBroker::new);
    }

    String name() {
        return name;
    }

    /**
     * @param destination the destination name
     * @param partitions its partitions, when it does not exist yet
     * @return the destination, created on first use
     */
    Destination destination(String destination, int partitions) {
        Destination existing = destinations.get(destination);
        return existing != null
                ? existing
                : destinations.computeIfAbsent(destination, d -> new Destination(d, partitions));
    }

    /**
     * @param destination the destination name
     * @return the destination, or null when nobody used it yet
     */
    Destination existing(String destination) {
        return destinations.get(destination);
    }
}
