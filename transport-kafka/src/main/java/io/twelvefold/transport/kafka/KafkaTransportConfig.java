package io.twelvefold.transport.kafka;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
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
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
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
    static final String PROVISION_TOPICS = "provision-topics";
    static final String TOPIC_PARTITIONS = "topic-partitions";
    static final String TOPIC_REPLICATION_FACTOR = "topic-replication-factor";
    static final String SUBSCRIBE_TIMEOUT = "subscribe-timeout";
    static final String CLIENT = "client.*";
    static final String CLIENT_PREFIX = "client.";

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> GROUP_PROTOCOLS = Set.of("classic", "consumer");

    /** Native properties that would break the delivery contract, or that have a key of their own. */
    private static final Map<String, String> MANAGED = managed();

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
            new ConfigKey(PROVISION_TOPICS, "boolean", "false", false,
                    "Create missing topics (and their .dlq topics) with the admin client when a channel first uses them."),
            new ConfigKey(TOPIC_PARTITIONS, "int", null, false,
                    "Partitions of provisioned topics (default: the broker's num.partitions)."),
            new ConfigKey(TOPIC_REPLICATION_FACTOR, "int", null, false,
                    "Replication factor of provisioned topics (default: the broker's default.replication.factor)."),
            new ConfigKey(SUBSCRIBE_TIMEOUT, "duration", "60s", false,
                    "How long subscribing waits to join the consumer group before it fails."),
            new ConfigKey(CLIENT, "string", null, false,
                    "Any native Kafka client property, such as client.max.poll.records "
                            + "(TWELVEFOLD_KAFKA_CLIENT_MAX_POLL_RECORDS); given to the clients that know it."));

    final String bootstrapServers;
    final String clientId;
    final String groupProtocol;
    final boolean provisionTopics;
    final Integer topicPartitions;
    final Short topicReplicationFactor;
    final Duration subscribeTimeout;
    /** Connection and security settings for every client. */
    final Map<String, Object> common;
    /** client.* pass-through, native names. */
    final Map<String, String> passThrough;

    private KafkaTransportConfig(Map<String, String> p, List<String> problems) {
        bootstrapServers = p.getOrDefault(BOOTSTRAP_SERVERS, "localhost:9092").strip();
        if (!validBootstrap(bootstrapServers)) {
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

        String provision = p.getOrDefault(PROVISION_TOPICS, "false").strip().toLowerCase(Locale.ROOT);
        if (!provision.equals("true") && !provision.equals("false")) {
            problems.add(key(PROVISION_TOPICS) + " must be true or false, was '" + p.get(PROVISION_TOPICS) + "'");
        }
        provisionTopics = provision.equals("true");
        Integer partitions = positiveInt(p, TOPIC_PARTITIONS, Integer.MAX_VALUE, problems);
        topicPartitions = partitions;
        Integer replication = positiveInt(p, TOPIC_REPLICATION_FACTOR, Short.MAX_VALUE, problems);
        topicReplicationFactor = replication == null ? null : replication.shortValue();
        subscribeTimeout = duration(p, SUBSCRIBE_TIMEOUT, "60s", problems);

        passThrough = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : p.entrySet()) {
            if (!e.getKey().startsWith(CLIENT_PREFIX)) {
                continue;
            }
            String name = e.getKey().substring(CLIENT_PREFIX.length());
            String managedBy = MANAGED.get(name);
            if (managedBy != null) {
                problems.add(key(e.getKey()) + " cannot be set: " + managedBy + ", was '" + shown(name, e.getValue())
                        + "'");
            } else if (!ConsumerConfig.configNames().contains(name) && !ProducerConfig.configNames().contains(name)
                    && !AdminClientConfig.configNames().contains(name)) {
                problems.add(key(e.getKey()) + " must name a Kafka producer, consumer or admin client property, was '"
                        + shown(name, e.getValue()) + "'");
            } else {
                passThrough.put(name, e.getValue());
            }
        }
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

    /** The native properties of one kind of client: the common ones, then the pass-through it knows. */
    Map<String, Object> clientProperties(Set<String> known) {
        Map<String, Object> props = new LinkedHashMap<>(common);
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

    private static boolean validBootstrap(String servers) {
        if (servers.isEmpty()) {
            return false;
        }
        for (String server : servers.split(",")) {
            String s = server.strip();
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                return false;
            }
            try {
                int port = Integer.parseInt(s.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    /** Native properties whose values are secrets are shown redacted. */
    private static String shown(String nativeName, String value) {
        String n = nativeName.toLowerCase(Locale.ROOT);
        return n.contains("password") || n.contains("jaas") || n.contains("secret") || n.contains("token")
                ? "<redacted>" : value;
    }

    /** {@code twelvefold.kafka.<name> (TWELVEFOLD_KAFKA_<NAME>)}. */
    static String key(String name) {
        String env = "TWELVEFOLD_KAFKA_" + name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
        return PREFIX + name + " (" + env + ")";
    }

    private static Map<String, String> managed() {
        Map<String, String> m = new LinkedHashMap<>();
        String contract = "Twelvefold sets it to keep at-least-once delivery";
        m.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, contract);
        m.put(ConsumerConfig.GROUP_ID_CONFIG, "the group comes from twelvefold.channels.<channel>.group");
        m.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, contract);
        m.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, contract);
        m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, contract);
        m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, contract);
        m.put(ProducerConfig.ACKS_CONFIG, contract);
        m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, contract);
        m.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "use " + key(GROUP_PROTOCOL));
        m.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "use " + key(BOOTSTRAP_SERVERS));
        m.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "use " + key(SECURITY_PROTOCOL));
        m.put(SaslConfigs.SASL_JAAS_CONFIG, "use " + key(SASL_JAAS_CONFIG));
        m.put(SaslConfigs.SASL_MECHANISM, "use " + key(SASL_MECHANISM));
        m.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "use " + key(TRUSTSTORE_LOCATION));
        m.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, "use " + key(TRUSTSTORE_PASSWORD));
        m.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, "use " + key(KEYSTORE_LOCATION));
        m.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, "use " + key(KEYSTORE_PASSWORD));
        m.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, "use " + key(KEY_PASSWORD));
        return Map.copyOf(m);
    }
}
