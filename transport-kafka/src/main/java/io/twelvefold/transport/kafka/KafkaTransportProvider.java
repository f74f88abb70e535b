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
 *       {@code traceparent} and {@code tracestate} as the {@code ce_} tracing extension, other
 *       headers as plain record headers; on a channel whose format is {@code plain}, as plain
 *       records (value, key, {@code content-type} and the headers).</li>
 *   <li>Topics: created when missing ({@code create-topics}, the default), or checked to exist.</li>
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
     * protocol, topic creation, timeouts, and {@code client.*} for any native client property.
     *
     * @return the keys, never null
     */
    @Override
    public List<ConfigKey> configKeys() {
        return KafkaTransportConfig.KEYS;
    }

    /**
     * Checks the settings under {@code twelvefold.kafka.} without connecting: every value, and each
     * {@code client.*} native property against the definitions of kafka-clients (its name and its value).
     *
     * @param context the settings, never null
     * @throws ConfigurationException listing every problem, each naming the key and its environment variable
     */
    @Override
    public void validate(TransportContext context) {
        KafkaTransportConfig.of(context.properties());
    }

    /**
     * Validates the configuration, checks that a bootstrap server answers like a Kafka broker
     * (over a plain socket, before any Kafka client exists, within {@code connect-timeout} per
     * address), with SASL or TLS checks that the broker accepts the credentials, and then starts
     * creating the producer and the admin client on a thread of its own (the consumers come with
     * the subscriptions). Once created, the clients reconnect by themselves whenever the cluster
     * goes away: {@link Transport#connected()} shows it.
     *
     * @param context the configuration, never null
     * @return a new transport, never null
     * @throws ConfigurationException listing every invalid setting, or when the broker refused the
     *     credentials or the TLS handshake (not worth retrying)
     * @throws io.twelvefold.core.TransportException when no bootstrap server answers (refused, timed out,
     *     unknown host, not a Kafka broker): one line naming {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS} and the cause
     */
    @Override
    public Transport create(TransportContext context) {
        KafkaTransportConfig config = KafkaTransportConfig.of(context.properties());
        BrokerProbe.check(config);
        return new KafkaTransport(config, Credentials.check(config));
    }
}
