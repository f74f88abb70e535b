package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One delivery of a message to a group. Its state moves once, from outstanding to acknowledged
 * (by {@link #ack()}, on any thread) or to revoked (when the broker takes it back for redelivery);
 * whichever comes first wins, so a late or repeated acknowledgement is ignored.
 */
final class Delivery implements IncomingMessage {
    private static final String ID = "id";
    private static final int OUTSTANDING = 0;
    private static final int ACKED = 1;
    private static final int REVOKED = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Delivery.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Cursor cursor;
    private final OutgoingMessage message;
    private final long offset;
    private final int deliveryCount;
    private final InMemorySubscription subscription;
    /** Sent without CloudEvents attributes ({@link OutgoingMessage}'s plain form); read once. */
    private final boolean plain;
    @SuppressWarnings("unused") // through STATE
    private volatile int state;

    Delivery(Cursor cursor, OutgoingMessage message, long offset, int deliveryCount, InMemorySubscription subscription) {
        this.cursor = cursor;
        this.message = message;
        this.offset = offset;
        this.deliveryCount = deliveryCount;
        this.subscription = subscription;
        this.plain = !message.attributes().containsKey("specversion");
    }

    @Override
    public String destination() {
        return cursor.partition().destination().name();
    }

    @Override
    public int partition() {
        return cursor.partition().index();
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public String key() {
        return message.key();
    }

    /**
     * A plain message's attributes: its content type (its id is the {@linkplain #messageId() message id},
     * as a broker's own message id property would carry it).
     */
    @Override
    public Map<String, String> attributes() {
        Map<String, String> a = message.attributes();
        if (!plain || !a.containsKey(ID)) {
            return a;
        }
        Map<String, String> withoutId = new java.util.HashMap<>(a);
        withoutId.remove(ID);
        return Map.copyOf(withoutId);
    }

    /** @return the id a plain message was sent with, else its destination, partition and offset */
    @Override
    public String messageId() {
        String id = plain ? message.attributes().get(ID) : null;
        return id != null ? id : destination() + "-" + partition() + "-" + offset;
    }

    @Override
    public Map<String, String> headers() {
        return message.headers();
    }

    @Override
    public byte[] payload() {
        return message.payload();
    }

    @Override
    public int deliveryCount() {
        return deliveryCount;
    }

    @Override
    public void ack() {
        if (STATE.compareAndSet(this, OUTSTANDING, ACKED)) {
            subscription.acked();
        }
    }

    /**
     * Appends a copy for this delivery's group to its partition after {@code delay}; see
     * {@link InMemorySubscription#redeliverLater}.
     */
    @Override
    public CompletableFuture<Void> redeliverLater(Duration delay, Map<String, String> headers) {
        return subscription.redeliverLater(this, delay, headers);
    }

    Cursor cursor() {
        return cursor;
    }

    OutgoingMessage message() {
        return message;
    }

    InMemorySubscription subscription() {
        return subscription;
    }

    boolean acked() {
        return state == ACKED;
    }

    boolean isRevoked() {
        return state == REVOKED;
    }

    /** @return true when this call took it back, false when it was acknowledged (or taken back) before */
    boolean revoke() {
        return STATE.compareAndSet(this, OUTSTANDING, REVOKED);
    }

    @Override
    public String toString() {
        return "Delivery[" + cursor + "@" + offset + ", key=" + message.key() + ", count=" + deliveryCount + "]";
    }
}
