package io.twelvefold.transport.kafka;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

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
 *
 * <p>Start-up: when the environment variable {@code TWELVEFOLD_TRANSPORT} or the system property
 * {@code twelvefold.transport} is {@code kafka}, the first instance in the JVM loads and initialises
 * the Kafka client's classes on a daemon thread (no I/O) while the runtime reads its configuration:
 * a cold client spends most of its 200-600 ms creation in class loading and static initialisation.
 */
public final class KafkaTransportProvider implements TransportProvider {
    static final String NAME = "kafka";
    private static final AtomicBoolean WARMED_UP = new AtomicBoolean();

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public KafkaTransportProvider() {
        if (chosen(System.getenv("TWELVEFOLD_TRANSPORT"), System.getProperty("twelvefold.transport"))) {
            warmUp("consumer".equalsIgnoreCase(String.valueOf(System.getProperty("twelvefold.kafka.group-protocol",
                    System.getenv("TWELVEFOLD_KAFKA_GROUP_PROTOCOL"))).strip()));
        }
    }

    /** Whether the environment already names this transport: only a hint for the warm-up. */
    static boolean chosen(String environment, String systemProperty) {
        String value = systemProperty != null ? systemProperty : environment;
        return value != null && value.strip().toLowerCase(Locale.ROOT).equals(NAME);
    }

    /**
     * Once per JVM, loads and initialises on a daemon thread the classes that creating the clients
     * and the first requests need. No I/O; a class that cannot be loaded is left to the moment it is
     * needed.
     *
     * @param consumerProtocol whether the KIP-848 consumer is expected (else the classic one)
     * @return whether this call started the warm-up
     */
    static boolean warmUp(boolean consumerProtocol) {
        if (!WARMED_UP.compareAndSet(false, true)) {
            return false;
        }
        List<String> classes = new java.util.ArrayList<>(WARM_UP_CLASSES);
        classes.addAll(consumerProtocol ? WARM_UP_KIP_848 : WARM_UP_CLASSIC);
        Thread t = new Thread(() -> load(classes), "twelvefold-kafka-warm-up");
        t.setDaemon(true);
        t.start();
        return true;
    }

    /** Configuration definitions first (every client builds them), then the network, then the clients. */
    static final List<String> WARM_UP_CLASSES = List.of(
            "org.apache.kafka.clients.consumer.ConsumerConfig",
            "org.apache.kafka.clients.producer.ProducerConfig",
            "org.apache.kafka.clients.admin.AdminClientConfig",
            "org.apache.kafka.common.protocol.ApiKeys",
            "org.apache.kafka.common.requests.AbstractRequest",
            "org.apache.kafka.common.requests.AbstractResponse",
            "org.apache.kafka.common.requests.ApiVersionsResponse",
            "org.apache.kafka.common.requests.MetadataRequest",
            "org.apache.kafka.common.requests.MetadataResponse",
            "org.apache.kafka.common.requests.FetchRequest",
            "org.apache.kafka.common.requests.FetchResponse",
            "org.apache.kafka.common.requests.ProduceRequest",
            "org.apache.kafka.common.requests.ProduceResponse",
            "org.apache.kafka.common.requests.OffsetFetchRequest",
            "org.apache.kafka.common.requests.OffsetCommitRequest",
            "org.apache.kafka.common.requests.ListOffsetsRequest",
            "org.apache.kafka.common.requests.FindCoordinatorRequest",
            "org.apache.kafka.common.requests.InitProducerIdRequest",
            "org.apache.kafka.common.network.Selector",
            "org.apache.kafka.common.network.KafkaChannel",
            "org.apache.kafka.common.network.PlaintextChannelBuilder",
            "org.apache.kafka.common.network.ChannelBuilders",
            "org.apache.kafka.common.metrics.Metrics",
            "org.apache.kafka.common.metrics.JmxReporter",
            "org.apache.kafka.common.metrics.Sensor",
            "org.apache.kafka.common.telemetry.internals.ClientTelemetryReporter",
            "org.apache.kafka.common.utils.internals.AppInfoParser",
            "org.apache.kafka.common.record.internal.MemoryRecords",
            "org.apache.kafka.common.record.internal.DefaultRecordBatch",
            "org.apache.kafka.clients.NetworkClient",
            "org.apache.kafka.clients.Metadata",
            "org.apache.kafka.clients.ClientUtils",
            "org.apache.kafka.clients.consumer.KafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.FetchCollector",
            "org.apache.kafka.clients.consumer.internals.SubscriptionState",
            "org.apache.kafka.clients.consumer.internals.ConsumerMetadata",
            "org.apache.kafka.clients.producer.KafkaProducer",
            "org.apache.kafka.clients.producer.internals.Sender",
            "org.apache.kafka.clients.producer.internals.RecordAccumulator",
            "org.apache.kafka.clients.producer.internals.TransactionManager",
            "org.apache.kafka.clients.producer.internals.ProducerMetadata",
            "org.apache.kafka.clients.admin.KafkaAdminClient",
            "io.twelvefold.transport.kafka.KafkaTransport",
            "io.twelvefold.transport.kafka.KafkaSubscription",
            "io.twelvefold.transport.kafka.KafkaPublisher",
            "io.twelvefold.transport.kafka.PartitionOffsets",
            "io.twelvefold.transport.kafka.CloudEventsBinding");

    static final List<String> WARM_UP_CLASSIC = List.of(
            "org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
            "org.apache.kafka.clients.consumer.internals.Fetcher",
            "org.apache.kafka.clients.consumer.internals.OffsetFetcher",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
            "org.apache.kafka.common.requests.JoinGroupRequest",
            "org.apache.kafka.common.requests.SyncGroupRequest",
            "org.apache.kafka.common.requests.HeartbeatRequest");

    static final List<String> WARM_UP_KIP_848 = List.of(
            "org.apache.kafka.clients.consumer.internals.AsyncKafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.ConsumerNetworkThread",
            "org.apache.kafka.clients.consumer.internals.ConsumerMembershipManager",
            "org.apache.kafka.clients.consumer.internals.ConsumerHeartbeatRequestManager",
            "org.apache.kafka.clients.consumer.internals.CommitRequestManager",
            "org.apache.kafka.clients.consumer.internals.FetchRequestManager",
            "org.apache.kafka.clients.consumer.internals.OffsetsRequestManager",
            "org.apache.kafka.clients.consumer.internals.RequestManagers",
            "org.apache.kafka.clients.consumer.internals.events.ApplicationEventProcessor",
            "org.apache.kafka.common.requests.ConsumerGroupHeartbeatRequest",
            "org.apache.kafka.common.requests.ConsumerGroupHeartbeatResponse");

    private static void load(List<String> classes) {
        ClassLoader loader = KafkaTransportProvider.class.getClassLoader();
        for (String name : classes) {
            try {
                // linking and initialising is most of the cost: loading alone would leave it to the client
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                // the client loads what it needs itself
            }
        }
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
     * Validates the configuration and creates the clients. Kafka clients connect lazily and
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
        return new KafkaTransport(KafkaTransportConfig.of(context.properties()), context::meterRegistry);
    }
}
