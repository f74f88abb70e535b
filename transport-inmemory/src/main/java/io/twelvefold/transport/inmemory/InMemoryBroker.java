package io.twelvefold.transport.inmemory;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A named broker in this JVM: its destinations, created on first use. Brokers live as long as the
 * JVM (a transport that closes does not take the messages of the others with it); their memory
 * stays bounded because every destination drops what all its groups acknowledged.
 */
final class InMemoryBroker {
    private static final ConcurrentHashMap<String, InMemoryBroker> BROKERS = new ConcurrentHashMap<>();

    private final String name;
    private final ConcurrentHashMap<String, Destination> destinations = new ConcurrentHashMap<>();

    /** The timer of delayed redeliveries, shared by every broker; created when first needed. */
    private static final class Timer {
        static final ScheduledExecutorService INSTANCE = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "twelvefold-inmemory-redeliveries");
                t.setDaemon(true);
                return t;
            });
            timer.setRemoveOnCancelPolicy(true);
            return timer;
        }
    }

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
     * Runs a task after a delay on the broker's timer, whatever transports close meanwhile (the
     * broker outlives them).
     */
    void later(Runnable task, Duration delay) {
        Timer.INSTANCE.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
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
