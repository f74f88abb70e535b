package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.StoredMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * The dead letters of a group, in its dead-letter queue {@code <dead-letter destination>.<group>}.
 *
 * <p>A browse takes the messages with {@code basic.get} without acknowledging them, then closes
 * its channel, which gives them all back to the queue at once; a classic queue puts them back where
 * they were, so the queue holds what it held, in the same order (a quorum queue counts each browse
 * as a delivery towards its {@code x-delivery-limit}, so quorum queues are refused). A removal takes messages the same way up to the one that matches the browsed
 * message (key, attributes, headers and payload), acknowledges that one and gives back the others.
 * One channel per call; thread-safe.
 */
final class RabbitMqDeadLetters implements DeadLetterStore {
    private final Connection connection;
    private final RabbitMqConfig.QueueType queueType;

    RabbitMqDeadLetters(Connection connection, RabbitMqConfig.QueueType queueType) {
        this.connection = connection;
        this.queueType = queueType;
    }

    /**
     * A quorum queue counts every message a browse gives back as a delivery, towards its
     * {@code x-delivery-limit}: browsing could drop dead letters, so the commands refuse.
     */
    private void checkBrowsable(String queue) {
        if (queueType == RabbitMqConfig.QueueType.QUORUM) {
            throw new TransportException("Queue '" + queue + "' is a quorum queue ("
                    + RabbitMqConfig.describe(RabbitMqConfig.QUEUE_TYPE) + " is quorum), which counts each browse as a "
                    + "delivery towards its x-delivery-limit; the dlq commands read classic queues only: move the "
                    + "dead letters to a classic queue (a shovel) or read them with the broker's own tools");
        }
    }

    @Override
    public List<StoredMessage> browse(String destination, String group, int max) {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(group, "group");
        String queue = queue(destination, group);
        checkBrowsable(queue);
        List<StoredMessage> found = new ArrayList<>();
        try (Channel c = connection.createChannel()) {
            if (!exists(queue)) {
                return found;
            }
            GetResponse r;
            while (found.size() < max && (r = c.basicGet(queue, false)) != null) {
                found.add(stored(destination, group, found.size(), r));
            }
            // closing the channel gives back every message taken, in order
        } catch (IOException | TimeoutException e) {
            throw new TransportException("Queue '" + queue + "' cannot be read: " + e.getMessage(), e);
        }
        return found;
    }

    @Override
    public boolean remove(StoredMessage message) {
        String queue = queue(message.destination(), message.group());
        checkBrowsable(queue);
        try (Channel c = connection.createChannel()) {
            if (!exists(queue)) {
                return false;
            }
            GetResponse r;
            long position = 0;
            while ((r = c.basicGet(queue, false)) != null) {
                if (same(message, stored(message.destination(), message.group(), position++, r))) {
                    c.basicAck(r.getEnvelope().getDeliveryTag(), false);
                    return true;
                }
            }
            // closing the channel gives back the others, in order
            return false;
        } catch (IOException | TimeoutException e) {
            throw new TransportException("Queue '" + queue + "' cannot be read: " + e.getMessage(), e);
        }
    }

    private boolean exists(String queue) throws IOException, TimeoutException {
        // a passive declaration of a missing queue closes its channel: use one of its own
        try (Channel probe = connection.createChannel()) {
            probe.queueDeclarePassive(queue);
            return true;
        } catch (IOException | ShutdownSignalException e) {
            return false;
        }
    }

    private static StoredMessage stored(String destination, String group, long position, GetResponse r) {
        MessageMapping.Incoming in = MessageMapping.read(r.getEnvelope(), r.getProps(),
                ChannelOptions.KeySource.HEADER);
        return new StoredMessage(destination, group, 0, position, in.key(), in.attributes(), in.headers(),
                r.getBody());
    }

    private static boolean same(StoredMessage a, StoredMessage b) {
        return Objects.equals(a.key(), b.key()) && a.attributes().equals(b.attributes())
                && a.headers().equals(b.headers()) && Arrays.equals(a.payload(), b.payload());
    }

    static String queue(String destination, String group) {
        return destination + "." + group;
    }
}
