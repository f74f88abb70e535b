package io.twelvefold.testkit;

import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts what a transport delivers to the runtime and what the runtime acknowledges, by wrapping
 * the transport in a decorator: the kit's transport-independent way to check "acknowledged once",
 * "acknowledged none twice" and "bounded in-flight".
 *
 * <p>A message is identified by its CloudEvents {@code id} attribute (the kit gives each event a
 * unique one), or by destination, partition and offset when it has none. Every transport created
 * by a {@linkplain #wrap(TransportProvider) wrapped provider} records into the same counts, so two
 * members of one group, or a member and its successor, are counted together.
 *
 * <p>Thread-safe.
 */
public final class DeliveryCounts {
    private final ConcurrentMap<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> acks = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Delivery> firstDeliveries = new ConcurrentHashMap<>();
    private final Queue<Delivery> allDeliveries = new ConcurrentLinkedQueue<>();
    private final AtomicInteger maxUnacked = new AtomicInteger();
    private final AtomicLong totalDeliveries = new AtomicLong();
    private final AtomicLong totalAcks = new AtomicLong();

    private DeliveryCounts() {
    }

    /** @return new counts, all zero, never null */
    public static DeliveryCounts create() {
        return new DeliveryCounts();
    }

    /**
     * Where a message was delivered from, and the broker's own id and time of it, as its
     * {@link IncomingMessage} said.
     *
     * @param destination the destination, never null
     * @param partition the partition (0 when unpartitioned)
     * @param offset the offset or delivery tag, -1 when the broker gives none
     * @param messageId the broker's id of the message ({@link IncomingMessage#messageId()}), may be null
     * @param timestamp the broker's or producer's time stamp ({@link IncomingMessage#timestamp()}), may be null
     */
    public record Delivery(String destination, int partition, long offset, String messageId, Instant timestamp) {
    }

    /**
     * A provider with the same name and configuration keys whose transports record here.
     *
     * @param provider the provider to wrap, never null
     * @return a new provider, never null
     */
    public TransportProvider wrap(TransportProvider provider) {
        Objects.requireNonNull(provider, "provider");
        return new TransportProvider() {
            @Override
            public String name() {
                return provider.name();
            }

            @Override
            public List<ConfigKey> configKeys() {
                return provider.configKeys();
            }

            @Override
            public List<ConfigKey> channelConfigKeys() {
                return provider.channelConfigKeys();
            }

            @Override
            public void validate(TransportContext context) {
                provider.validate(context);
            }

            @Override
            public Transport create(TransportContext context) {
                return wrap(provider.create(context));
            }
        };
    }

    /**
     * A transport that behaves like {@code transport} and records here what its subscriptions
     * deliver and what is acknowledged.
     *
     * @param transport the transport to wrap, never null
     * @return a new transport, never null; closing it closes {@code transport}
     */
    public Transport wrap(Transport transport) {
        return new CountingTransport(Objects.requireNonNull(transport, "transport"), this);
    }

    /**
     * @param id a message id
     * @return how many times the message was delivered, over every subscription
     */
    public int deliveries(String id) {
        AtomicInteger n = deliveries.get(id);
        return n == null ? 0 : n.get();
    }

    /**
     * @param id a message id
     * @return how many times {@link IncomingMessage#ack()} was called for the message, over every delivery
     */
    public int acks(String id) {
        AtomicInteger n = acks.get(id);
        return n == null ? 0 : n.get();
    }

    /** @return the acknowledgement count of every acknowledged message id, sorted by id, immutable, never null */
    public Map<String, Integer> acks() {
        Map<String, Integer> snapshot = new TreeMap<>();
        acks.forEach((id, n) -> snapshot.put(id, n.get()));
        return Map.copyOf(snapshot);
    }

    /**
     * @param id a message id
     * @return where the message was delivered from the first time, if it was delivered
     */
    public Optional<Delivery> firstDelivery(String id) {
        return Optional.ofNullable(firstDeliveries.get(id));
    }

    /**
     * Every delivery so far, redeliveries included, in the order the transports handed them over
     * (across subscriptions, the order in which they were counted).
     *
     * @return the deliveries, immutable, never null
     */
    public List<Delivery> deliveries() {
        return List.copyOf(allDeliveries);
    }

    /**
     * The largest number of messages that one subscription had delivered and not yet acknowledged
     * at the same time. Messages of revoked partitions, and of closed subscriptions, stop counting.
     *
     * @return the high-water mark, 0 when nothing was delivered
     */
    public int maxUnacked() {
        return maxUnacked.get();
    }

    /** @return how many deliveries there were in all */
    public long totalDeliveries() {
        return totalDeliveries.get();
    }

    /** @return how many acknowledgements there were in all */
    public long totalAcks() {
        return totalAcks.get();
    }

    static String idOf(IncomingMessage message) {
        String id = message.attributes().get("id");
        return id != null ? id : message.destination() + "/" + message.partition() + "/" + message.offset();
    }

    void delivered(IncomingMessage message, int unackedInSubscription) {
        String id = idOf(message);
        deliveries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        Delivery delivery = new Delivery(message.destination(), message.partition(), message.offset(),
                message.messageId(), message.timestamp());
        firstDeliveries.putIfAbsent(id, delivery);
        allDeliveries.add(delivery);
        totalDeliveries.incrementAndGet();
        maxUnacked.accumulateAndGet(unackedInSubscription, Math::max);
    }

    void acked(IncomingMessage message) {
        acks.computeIfAbsent(idOf(message), k -> new AtomicInteger()).incrementAndGet();
        totalAcks.incrementAndGet();
    }
}
