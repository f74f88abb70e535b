package io.twelvefold.transport.kafka;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * The validated settings of a Kafka transport, read from the properties under
 * {@code twelvefold.kafka.}. Every problem is collected into one {@link ConfigurationException};
 * secret values never appear in a message.
 */
final class KafkaTransportConfig {
    static final String PREFIX = "twelvefold.kafka.";

    static final String BOOTSTRAP_SERVERS = "bootstrap-servers";
    static final String CLIENT_ID = "client-id";
    static final String SECURITY_PROTOCOL = "security-protocol";
    static final String SASL_MECHANISM = "sasl-mechanism";
    static final String SASL_JAAS_CONFIG = "sasl-jaas-config";
    static final String TRUSTSTORE_LOCATION = "ssl-truststore-location";
    static final String TRUSTSTORE_PASSWORD = "ssl-truststore-password";
    static final String KEYSTORE_LOCATION = "ssl-keystore-location";
    static final String KEYSTORE_PASSWORD = "ssl-keystore-password";
    static final String KEY_PASSWORD = "ssl-key-password";
    static final String GROUP_PROTOCOL = "group-protocol";
    static final String CREATE_TOPICS = "create-topics";
    static final String TOPIC_PARTITIONS = "topic-partitions";
    static final String TOPIC_REPLICATION_FACTOR = "topic-replication-factor";
    static final String SUBSCRIBE_TIMEOUT = "subscribe-timeout";
    static final String CONNECT_TIMEOUT = "connect-timeout";
    static final String CLIENT = "client.*";
    static final String CLIENT_PREFIX = "client.";

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> GROUP_PROTOCOLS = Set.of("classic", "consumer");

    /**
     * Client settings the transport chooses differently from Kafka's defaults (a {@code client.*}
     * property overrides them), so that the clients' own logs stay bounded while the cluster is
     * unreachable: reconnection attempts back off up to 10 s rather than 1 s, and the clients do
     * not "rebootstrap", which they do in a loop of thousands of INFO lines a second while the
     * bootstrap servers refuse connections.
     */
    static final Map<String, Object> CLIENT_DEFAULTS = Map.of(
            CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG, 500,
            CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000,
            CommonClientConfigs.METADATA_RECOVERY_STRATEGY_CONFIG, "none");

    static final List<ConfigKey> KEYS = List.of(
            new ConfigKey(BOOTSTRAP_SERVERS, "string", "localhost:9092", false,
                    "Comma-separated host:port pairs of the Kafka brokers to connect to first."),
            new ConfigKey(CLIENT_ID, "string", null, false,
                    "Prefix of the client.id of every producer, consumer and admin client (default: Kafka's own)."),
            new ConfigKey(SECURITY_PROTOCOL, "string", "PLAINTEXT", false,
                    "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."),
            new ConfigKey(SASL_MECHANISM, "string", null, false,
                    "SASL mechanism, such as PLAIN, SCRAM-SHA-512 or OAUTHBEARER."),
            new ConfigKey(SASL_JAAS_CONFIG, "string", null, true,
                    "SASL JAAS configuration line (sasl.jaas.config), with the credentials."),
            new ConfigKey(TRUSTSTORE_LOCATION, "string", null, false,
                    "Path of the TLS truststore (JKS or PKCS12) that holds the brokers' CA."),
            new ConfigKey(TRUSTSTORE_PASSWORD, "string", null, true, "Password of the TLS truststore."),
            new ConfigKey(KEYSTORE_LOCATION, "string", null, false,
                    "Path of the TLS keystore with the client certificate (mutual TLS)."),
            new ConfigKey(KEYSTORE_PASSWORD, "string", null, true, "Password of the TLS keystore."),
            new ConfigKey(KEY_PASSWORD, "string", null, true, "Password of the private key in the TLS keystore."),
            new ConfigKey(GROUP_PROTOCOL, "string", "classic", false,
                    "Consumer group protocol: classic, or consumer (KIP-848, brokers 4.0 and later)."),
            new ConfigKey(CREATE_TOPICS, "boolean", "true", false,
                    "Create the missing topics the app uses (inputs, outputs, dead letters); when false, check that "
                            + "they exist and fail naming the missing ones."),
            new ConfigKey(TOPIC_PARTITIONS, "int", null, false,
                    "Partitions of the topics the transport creates (default: the broker's num.partitions)."),
            new ConfigKey(TOPIC_REPLICATION_FACTOR, "int", null, false,
                    "Replication factor of the topics the transport creates (default: the broker's "
                            + "default.replication.factor)."),
            new ConfigKey(CONNECT_TIMEOUT, "duration", "5s", false,
                    "How long starting waits for each bootstrap broker to accept a connection and answer before "
                            + "it fails."),
            new ConfigKey(SUBSCRIBE_TIMEOUT, "duration", "60s", false,
                    "How long subscribing waits to join the consumer group before it fails."),
            new ConfigKey(CLIENT, "string", null, false,
                    "Any native Kafka client property, such as client.max.poll.records "
                            + "(TWELVEFOLD_KAFKA_CLIENT_MAX_POLL_RECORDS); given to the clients that know it."));

    final String bootstrapServers;
    /** The bootstrap servers, unresolved, in the order given; empty when the setting is invalid. */
    final List<InetSocketAddress> bootstrapAddresses;
    final String clientId;
    final String groupProtocol;
    final boolean createTopics;
    final Integer topicPartitions;
    final Short topicReplicationFactor;
    final Duration subscribeTimeout;
    final Duration connectTimeout;
    final String securityProtocol;
    /** Connection and security settings for every client. */
    final Map<String, Object> common;
    /** client.* pass-through, native names. */
    final Map<String, String> passThrough;

    private KafkaTransportConfig(Map<String, String> p, List<String> problems) {
        bootstrapServers = p.getOrDefault(BOOTSTRAP_SERVERS, "localhost:9092").strip();
        bootstrapAddresses = addresses(bootstrapServers);
        if (bootstrapAddresses.isEmpty()) {
            problems.add(key(BOOTSTRAP_SERVERS) + " must be a comma-separated list of host:port, was '"
                    + bootstrapServers + "'");
        }
        String id = p.get(CLIENT_ID);
        clientId = id == null || id.isBlank() ? null : id.strip();

        common = new LinkedHashMap<>();
        common.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        String protocol = p.getOrDefault(SECURITY_PROTOCOL, "PLAINTEXT").strip().toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            problems.add(key(SECURITY_PROTOCOL) + " must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, was '"
                    + p.get(SECURITY_PROTOCOL) + "'");
        }
        common.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        securityProtocol = protocol;
        putIfSet(p, SASL_MECHANISM, SaslConfigs.SASL_MECHANISM);
        putIfSet(p, SASL_JAAS_CONFIG, SaslConfigs.SASL_JAAS_CONFIG);
        if (protocol.startsWith("SASL") && p.get(SASL_JAAS_CONFIG) == null) {
            problems.add(key(SASL_JAAS_CONFIG) + " must be set when " + key(SECURITY_PROTOCOL) + " is " + protocol
                    + ", was ''");
        }
        putFileIfSet(p, TRUSTSTORE_LOCATION, SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, problems);
        putIfSet(p, TRUSTSTORE_PASSWORD, SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG);
        putFileIfSet(p, KEYSTORE_LOCATION, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, problems);
        putIfSet(p, KEYSTORE_PASSWORD, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG);
        putIfSet(p, KEY_PASSWORD, SslConfigs.SSL_KEY_PASSWORD_CONFIG);

        String gp = p.getOrDefault(GROUP_PROTOCOL, "classic").strip().toLowerCase(Locale.ROOT);
        if (!GROUP_PROTOCOLS.contains(gp)) {
            problems.add(key(GROUP_PROTOCOL) + " must be classic or consumer, was '" + p.get(GROUP_PROTOCOL) + "'");
        }
        groupProtocol = gp;

        String create = p.getOrDefault(CREATE_TOPICS, "true").strip().toLowerCase(Locale.ROOT);
        if (!create.equals("true") && !create.equals("false")) {
            problems.add(key(CREATE_TOPICS) + " must be true or false, was '" + p.get(CREATE_TOPICS) + "'");
        }
        createTopics = !create.equals("false");
        Integer partitions = positiveInt(p, TOPIC_PARTITIONS, Integer.MAX_VALUE, problems);
        topicPartitions = partitions;
        Integer replication = positiveInt(p, TOPIC_REPLICATION_FACTOR, Short.MAX_VALUE, problems);
        topicReplicationFactor = replication == null ? null : replication.shortValue();
        subscribeTimeout = duration(p, SUBSCRIBE_TIMEOUT, "60s", problems);
        connectTimeout = duration(p, CONNECT_TIMEOUT, "5s", problems);

        passThrough = NativeProperties.read(p, problems);
    }

    /**
     * Reads and validates the properties.
     *
     * @param properties the keys under {@code twelvefold.kafka.}, prefix removed
     * @return the settings
     * @throws ConfigurationException listing every problem
     */
    static KafkaTransportConfig of(Map<String, String> properties) {
        List<String> problems = new ArrayList<>();
        KafkaTransportConfig config = new KafkaTransportConfig(properties, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return config;
    }

    /**
     * The native properties of one kind of client: the transport's defaults, the common ones, then
     * the pass-through it knows.
     */
    Map<String, Object> clientProperties(Set<String> known) {
        Map<String, Object> props = new LinkedHashMap<>();
        CLIENT_DEFAULTS.forEach((k, v) -> {
            if (known.contains(k)) {
                props.put(k, v);
            }
        });
        props.putAll(common);
        passThrough.forEach((k, v) -> {
            if (known.contains(k)) {
                props.put(k, v);
            }
        });
        return props;
    }

    String clientId(String suffix) {
        return clientId == null ? null : clientId + "-" + suffix;
    }

    private void putIfSet(Map<String, String> p, String key, String nativeName) {
        String v = p.get(key);
        if (v != null && !v.isBlank()) {
            common.put(nativeName, v.strip());
        }
    }

    private void putFileIfSet(Map<String, String> p, String key, String nativeName, List<String> problems) {
        String v = p.get(key);
        if (v == null || v.isBlank()) {
            return;
        }
        if (!Files.isReadable(Path.of(v.strip()))) {
            problems.add(key(key) + " must be a readable file, was '" + v + "'");
        }
        common.put(nativeName, v.strip());
    }

    private static Integer positiveInt(Map<String, String> p, String key, int max, List<String> problems) {
        String raw = p.get(key);
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            int v = Integer.parseInt(raw.strip());
            if (v >= 1 && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(key(key) + " must be an integer from 1 to " + max + ", was '" + raw + "'");
        return null;
    }

    static Duration duration(Map<String, String> p, String key, String defaultValue, List<String> problems) {
        String raw = p.getOrDefault(key, defaultValue);
        Duration d = parseDuration(raw.strip());
        if (d == null || d.isNegative() || d.isZero()) {
            problems.add(key(key) + " must be a positive duration like '30s', was '" + raw + "'");
            return parseDuration(defaultValue);
        }
        return d;
    }

    /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} or ISO-8601; null when it is none of them. */
    static Duration parseDuration(String s) {
        try {
            if (s.startsWith("P") || s.startsWith("p")) {
                return Duration.parse(s);
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            switch (s.charAt(s.length() - 1)) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                default:
                    return null;
            }
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            return null;
        }
    }

    /** @return the host:port pairs, or an empty list when one of them is not a host:port */
    private static List<InetSocketAddress> addresses(String servers) {
        List<InetSocketAddress> result = new ArrayList<>();
        for (String server : servers.split(",")) {
            String s = server.strip();
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                return List.of();
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                if (port < 1 || port > 65535 || host.isBlank()) {
                    return List.of();
                }
                result.add(InetSocketAddress.createUnresolved(host, port));
            } catch (NumberFormatException e) {
                return List.of();
            }
        }
        return List.copyOf(result);
    }

    /** {@code twelvefold.kafka.<name> (TWELVEFOLD_KAFKA_<NAME>)}. */
    static String key(String name) {
        String env = "TWELVEFOLD_KAFKA_" + name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
        return PREFIX + name + " (" + env + ")";
    }
}
