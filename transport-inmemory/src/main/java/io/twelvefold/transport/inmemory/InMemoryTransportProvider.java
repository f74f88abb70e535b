package io.twelvefold.transport.inmemory;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code inmemory} transport: a broker inside the JVM with partitioned destinations, consumer
 * groups, per-message acknowledgements and redelivery. It is the embedded default for tests and
 * single-process runs.
 *
 * <p>Semantics, close to Kafka's:
 * <ul>
 *   <li>A destination is created on first use with {@code twelvefold.inmemory.partitions}
 *       partitions (the first transport to use it decides); a message goes to the partition of
 *       its key's hash, messages without a key go round robin.</li>
 *   <li>Every group receives every message (fan-out); the subscriptions of one group share the
 *       partitions (competing consumers), and the partitions are reassigned when one joins or
 *       leaves, after {@link io.twelvefold.core.spi.MessageHandler#onPartitionsRevoked} was called
 *       on the subscription that loses them.</li>
 *   <li>A new group starts from the earliest message still retained. Messages are retained until
 *       every existing group has acknowledged them; before the first group subscribes, everything
 *       is kept.</li>
 *   <li>Messages delivered and not acknowledged are delivered again, in order and with a higher
 *       delivery count, when their subscription closes or their partition moves.</li>
 *   <li>A send is confirmed at once.</li>
 * </ul>
 *
 * <p><strong>Nothing survives a restart</strong>: the broker lives in the heap of this JVM, so
 * messages, groups and acknowledgements are lost when the process ends (no
 * {@link io.twelvefold.core.spi.Capability#DURABLE}). Transports created with the same
 * {@code twelvefold.inmemory.broker} name, in the same JVM, share their destinations, so several
 * apps of one test talk to each other; the broker outlives its transports.
 *
 * <p>Configuration, under {@code twelvefold.inmemory.}: {@code partitions} (partitions per
 * destination, 1 to 1024, default 4) and {@code broker} (the name of the in-JVM broker, default
 * {@code default}).
 *
 * <p>Instances are stateless and thread-safe.
 */
public final class InMemoryTransportProvider implements TransportProvider {
    static final String NAME = "inmemory";
    static final int MAX_PARTITIONS = 1024;
    private static final String PARTITIONS = "partitions";
    private static final String BROKER = "broker";
    private static final String DEFAULT_PARTITIONS = "4";
    private static final String DEFAULT_BROKER = "default";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public InMemoryTransportProvider() {
    }

    /** @return {@code inmemory} */
    @Override
    public String name() {
        return NAME;
    }

    /** @return {@code partitions} and {@code broker} */
    @Override
    public List<ConfigKey> configKeys() {
        return List.of(
                new ConfigKey(PARTITIONS, "int", DEFAULT_PARTITIONS, false,
                        "Partitions of each destination, from 1 to " + MAX_PARTITIONS + "."),
                new ConfigKey(BROKER, "string", DEFAULT_BROKER, false,
                        "The name of the in-JVM broker; transports with the same broker name share their destinations."));
    }

    /**
     * Creates a transport attached to the named in-JVM broker, creating the broker on first use.
     *
     * @param context the configuration, never null
     * @return a new transport, never null
     * @throws ConfigurationException when {@code partitions} is not an integer from 1 to 1024 or
     *     {@code broker} is blank, listing every problem
     */
    @Override
    public Transport create(TransportContext context) {
        validate(context);
        Map<String, String> properties = context.properties();
        return new InMemoryTransport(InMemoryBroker.named(properties.getOrDefault(BROKER, DEFAULT_BROKER).strip()),
                parsePartitions(properties.getOrDefault(PARTITIONS, DEFAULT_PARTITIONS)));
    }

    /**
     * Checks {@code partitions} (an integer from 1 to 1024) and {@code broker} (not blank).
     *
     * @param context the configuration, never null
     * @throws ConfigurationException listing every problem
     */
    @Override
    public void validate(TransportContext context) {
        Map<String, String> properties = context.properties();
        List<String> problems = new ArrayList<>();
        String rawPartitions = properties.getOrDefault(PARTITIONS, DEFAULT_PARTITIONS);
        int partitions = parsePartitions(rawPartitions);
        if (partitions < 0) {
            problems.add(key(PARTITIONS) + " must be an integer from 1 to " + MAX_PARTITIONS
                    + ", was '" + rawPartitions + "'");
        }
        String broker = properties.getOrDefault(BROKER, DEFAULT_BROKER);
        if (broker.isBlank()) {
            problems.add(key(BROKER) + " must not be blank, was '" + broker + "'");
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
    }

    /** @return the partitions, or -1 when the value is not an integer from 1 to 1024 */
    private static int parsePartitions(String raw) {
        try {
            int value = Integer.parseInt(raw.strip());
            return value >= 1 && value <= MAX_PARTITIONS ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String key(String name) {
        return "twelvefold." + NAME + "." + name + " (TWELVEFOLD_" + NAME.toUpperCase(java.util.Locale.ROOT)
                + "_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + ")";
    }
}
