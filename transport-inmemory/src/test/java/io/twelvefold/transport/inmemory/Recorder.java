package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A handler that keeps what it receives, optionally acknowledging at once, and checks it is called one at a time. */
final class Recorder implements MessageHandler {
    final ConcurrentLinkedQueue<IncomingMessage> received = new ConcurrentLinkedQueue<>();
    final CopyOnWriteArrayList<Set<Integer>> revocations = new CopyOnWriteArrayList<>();
    final CopyOnWriteArrayList<String> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger concurrentCalls = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    private final boolean autoAck;
    private volatile Consumer<Set<Integer>> onRevoke = partitions -> { };

    private Recorder(boolean autoAck) {
        this.autoAck = autoAck;
    }

    static Recorder acking() {
        return new Recorder(true);
    }

    static Recorder holding() {
        return new Recorder(false);
    }

    Recorder onRevoke(Consumer<Set<Integer>> action) {
        this.onRevoke = action;
        return this;
    }

    @Override
    public void onMessage(IncomingMessage message) {
        if (concurrentCalls.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        String name = Thread.currentThread().getName();
        if (!threads.contains(name)) {
            threads.add(name);
        }
        received.add(message);
        if (autoAck) {
            message.ack();
        }
        concurrentCalls.decrementAndGet();
    }

    @Override
    public void onPartitionsRevoked(Set<Integer> partitions) {
        if (concurrentCalls.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        revocations.add(partitions);
        onRevoke.accept(partitions);
        concurrentCalls.decrementAndGet();
    }

    int count() {
        return received.size();
    }

    List<String> bodies() {
        List<String> bodies = new ArrayList<>();
        for (IncomingMessage m : received) {
            bodies.add(new String(m.payload(), StandardCharsets.UTF_8));
        }
        return bodies;
    }

    /** Acknowledges everything received so far; returns how many. */
    int ackAll() {
        int n = 0;
        for (IncomingMessage m : received) {
            m.ack();
            n++;
        }
        return n;
    }
}
