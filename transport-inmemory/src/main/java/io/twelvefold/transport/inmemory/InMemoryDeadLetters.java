package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The dead letters of an in-JVM broker: a browse reads the retained messages of a destination's
 * partitions under each partition's monitor, and touches no group; a removal clears the message's
 * slot, which every group that has not read it yet skips.
 */
final class InMemoryDeadLetters implements DeadLetterStore {
    private final InMemoryBroker broker;

    InMemoryDeadLetters(InMemoryBroker broker) {
        this.broker = broker;
    }

    @Override
    public List<StoredMessage> browse(String destination, String group, int max) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(group, "group");
        if (max <= 0) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        Destination d = broker.existing(destination);
        List<StoredMessage> found = new ArrayList<>();
        if (d == null) {
            return found;
        }
        List<Map.Entry<Long, OutgoingMessage>> slots = new ArrayList<>();
        for (int p = 0; p < d.partitionCount() && slots.size() < max; p++) {
            int before = slots.size();
            d.partition(p).browse(slots, max);
            for (Map.Entry<Long, OutgoingMessage> e : slots.subList(before, slots.size())) {
                OutgoingMessage m = e.getValue();
                found.add(new StoredMessage(destination, group, p, e.getKey(), m.key(), m.attributes(), m.headers(),
                        m.payload()));
            }
        }
        return found;
    }

    @Override
    public boolean remove(StoredMessage message) {
        Destination d = broker.existing(message.destination());
        if (d == null || message.partition() < 0 || message.partition() >= d.partitionCount()) {
            return false;
        }
        return d.partition(message.partition()).remove(message.position());
    }
}
