package io.twelvefold.testkit;

import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link MessageHandler} that keeps every message it receives and acknowledges it at once: the
 * kit reads dead-letter destinations with it, below the {@code App}, so that it sees the raw key,
 * attributes, headers and bytes.
 *
 * <p>Thread-safe.
 */
public final class MessageCollector implements MessageHandler {
    private final List<IncomingMessage> messages = new CopyOnWriteArrayList<>();
    private final List<String> cancellations = new CopyOnWriteArrayList<>();

    private MessageCollector() {
    }

    /** @return a new, empty collector, never null */
    public static MessageCollector create() {
        return new MessageCollector();
    }

    @Override
    public void onMessage(IncomingMessage message) {
        messages.add(message);
        message.ack();
    }

    @Override
    public void onCancelled(String reason) {
        cancellations.add(reason);
    }

    /** @return the messages received so far, in arrival order, immutable, never null */
    public List<IncomingMessage> messages() {
        return List.copyOf(messages);
    }

    /** @return how many messages were received so far */
    public int size() {
        return messages.size();
    }

    /** @return why the broker cancelled the subscription, if it did; immutable, never null */
    public List<String> cancellations() {
        return List.copyOf(cancellations);
    }
}
