package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.spi.IncomingMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A delivered message of a hand-made transport: counts its acknowledgements, and hands a delayed retry to a test's fake broker. */
final class FakeMessage implements IncomingMessage {
    final String key;
    final int partition;
    final long offset;
    final byte[] payload;
    final AtomicInteger acks = new AtomicInteger();
    /** The threads that acknowledged it. */
    final List<String> ackThreads = new CopyOnWriteArrayList<>();
    volatile List<FakeMessage> ackLog;
    volatile Map<String, String> headers = Map.of("h", "v");
    /** Null: the transport cannot redeliver later. */
    volatile Redeliverer redeliverer;

    FakeMessage(String key, int partition, long offset, byte[] payload) {
        this.key = key;
        this.partition = partition;
        this.offset = offset;
        this.payload = payload;
    }

    @Override
    public String destination() {
        return "dest";
    }

    @Override
    public int partition() {
        return partition;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Map<String, String> attributes() {
        return Map.of("id", "id-" + partition + "-" + offset, "source", "/s", "type", "t", "specversion", "1.0");
    }

    @Override
    public Map<String, String> headers() {
        return headers;
    }

    @Override
    public byte[] payload() {
        return payload;
    }

    @Override
    public int deliveryCount() {
        return 1;
    }

    @Override
    public void ack() {
        acks.incrementAndGet();
        ackThreads.add(Thread.currentThread().getName());
        if (ackLog != null) {
            ackLog.add(this);
        }
    }

    @Override
    public CompletableFuture<Void> redeliverLater(Duration delay, Map<String, String> extra) {
        Redeliverer r = redeliverer;
        return r == null ? null : r.redeliverLater(this, delay, extra);
    }

    /** What a test's fake broker does when the dispatcher hands it a retry. */
    interface Redeliverer {
        CompletableFuture<Void> redeliverLater(FakeMessage original, Duration delay, Map<String, String> headers);
    }
}
