package io.twelvefold.transport.kafka;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;

/**
 * The {@code kafka} transport, on the Apache Kafka Java client.
 *
 * <ul>
 *   <li>Publishing: one idempotent producer per transport with {@code acks=all}; a send is
 *       confirmed when the in-sync replicas have the record. The event key is the record key.
 *       Events travel in CloudEvents 1.0 binary content mode of the Kafka protocol binding: each
 *       attribute in a {@code ce_<name>} header, {@code datacontenttype} as {@code content-type},
 *       other headers as plain record headers.</li>
 *   <li>Consuming: one consumer per subscription, in the consumer group of the channel, with
 *       cooperative-sticky assignment (or the KIP-848 protocol), auto-commit off and
 *       {@code auto.offset.reset=earliest}. Each partition commits up to its highest contiguous
 *       acknowledged offset; acknowledged records beyond a gap travel in the commit metadata, so
 *       the next owner of the partition skips them.</li>
 *   <li>Backpressure: {@code pause()} stops delivery at once and pauses the partitions, the
 *       consumer keeps polling (no {@code max.poll.interval.ms} rebalance however long retries take).</li>
 *   <li>Rebalance: revoked partitions are given to the runtime, which drops their queued events
 *       and waits for running ones; then their offsets are committed synchronously.</li>
 * </ul>
 *
 * <p>Configuration is under {@code twelvefold.kafka.}: see {@link #configKeys()} and
 * {@code docs/transports/kafka.md}. Instances are stateless and thread-safe.
 */
public final class KafkaTransportProvider implements TransportProvider {
    static final String NAME = "kafka";

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public KafkaTransportProvider() {
    }

    /** @return {@code kafka} */
    @Override
    public String name() {
        return NAME;
    }

    /**
     * The keys under {@code twelvefold.kafka.}: connection and security settings, the group
     * protocol, topic provisioning, and {@code client.*} for any native client property.
     *
     * @return the keys, never null
     */
    @Override
    public List<ConfigKey> configKeys() {
        return KafkaTransportConfig.KEYS;
    }

    /**
     * Validates the configuration and starts creating the producer, on a thread of its own (the
     * consumers come with the subscriptions, the admin client a few seconds later or when topic
     * provisioning first needs it). Kafka clients connect lazily and
     * reconnect by themselves: an unreachable cluster does not fail here, it shows as
     * {@link Transport#connected()} false, and subscribing fails after {@code subscribe-timeout}.
     *
     * @param context the configuration and meter registry, never null
     * @return a new transport, never null
     * @throws ConfigurationException listing every invalid setting
     */
    @Override
    public Transport create(TransportContext context) {
        // the registry is asked for off the start-up path: the runtime may still be building it
        return new KafkaTransport(KafkaTransportConfig.of(context.properties()), null);
    }
}
