package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.OutgoingMessage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A named destination: a fixed number of partitions and the groups that read them. */
final class Destination {
    private final String name;
    private final Partition[] partitions;
    private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();
    private final AtomicInteger roundRobin = new AtomicInteger();

    Destination(String name, int partitionCount) {
        this.name = name;
        this.partitions = new Partition[partitionCount];
        for (int i = 0; i < partitionCount; i++) {
            partitions[i] = new Partition(this, i);
        }
    }

    String name() {
        return name;
    }

    int partitionCount() {
        return partitions.length;
    }

    Partition partition(int index) {
        return partitions[index];
    }

    /** Appends a message to the partition of its key. Thread-safe. */
    void publish(OutgoingMessage message) {
        String key = message.key();
        int index = key == null
                ? Math.floorMod(roundRobin.getAndIncrement(), partitions.length)
                : partitionOf(key, partitions.length);
        partitions[index].append(message);
    }

    /**
     * The partition of a key: a murmur3 finalizer over {@link String#hashCode()}, which the JLS
     * defines, so the mapping is stable across JVMs and runs, and similar keys spread well.
     */
    static int partitionOf(String key, int partitionCount) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, partitionCount);
    }

    /** @return the group of that name, created (at the earliest retained message) on first use */
    Group group(String group) {
        Group existing = groups.get(group);
        return existing != null ? existing : groups.computeIfAbsent(group, g -> new Group(this, g));
    }

    /** @return the messages retained over all partitions */
    long retained() {
        long sum = 0;
        for (Partition p : partitions) {
            sum += p.retained();
        }
        return sum;
    }
}
