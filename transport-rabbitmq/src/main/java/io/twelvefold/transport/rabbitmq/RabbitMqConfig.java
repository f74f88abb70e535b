package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The validated settings of the {@code rabbitmq} transport, read from the properties under
 * {@code twelvefold.rabbitmq.}. Every key, its type and default is declared once, in {@link #KEYS}.
 */
record RabbitMqConfig(
        URI uri,
        String virtualHost,
        String connectionName,
        Duration connectionTimeout,
        Integer prefetch,
        QueueType queueType,
        Ordering ordering,
        boolean declare,
        int maxDeliveries,
        int publisherChannels,
        Duration recoveryInterval,
        Duration publishTimeout,
        Tls tls) {

    static final String NAME = "rabbitmq";

    static final String URI_KEY = "uri";
    static final String VIRTUAL_HOST = "virtual-host";
    static final String CONNECTION_NAME = "connection-name";
    static final String CONNECTION_TIMEOUT = "connection-timeout";
    static final String PREFETCH = "prefetch";
    static final String QUEUE_TYPE = "queue-type";
    static final String ORDERING = "ordering";
    static final String DECLARE = "declare";
    static final String MAX_DELIVERIES = "max-deliveries";
    static final String PUBLISHER_CHANNELS = "publisher-channels";
    static final String RECOVERY_INTERVAL = "recovery-interval";
    static final String PUBLISH_TIMEOUT = "publish-timeout";
    static final String TLS_ENABLED = "tls.enabled";
    static final String TLS_TRUST_STORE = "tls.trust-store";
    static final String TLS_TRUST_STORE_PASSWORD = "tls.trust-store-password";
    static final String TLS_KEY_STORE = "tls.key-store";
    static final String TLS_KEY_STORE_PASSWORD = "tls.key-store-password";
    static final String TLS_VERIFY_HOSTNAME = "tls.verify-hostname";

    static final String DEFAULT_URI = "amqp://localhost:5672";
    static final int MAX_PUBLISHER_CHANNELS = 64;
    private static final Duration MAX_CONNECTION_TIMEOUT = Duration.ofMinutes(10);

    /** Every key the transport reads, in the order of the manifest and the docs table. */
    static final List<ConfigKey> KEYS = List.of(
            new ConfigKey(URI_KEY, "string", DEFAULT_URI, true,
                    "The broker: amqp://user:password@host:port/vhost, or amqps:// for TLS; the user info is a secret."),
            new ConfigKey(VIRTUAL_HOST, "string", null, false,
                    "The virtual host, overriding the one of the URI."),
            new ConfigKey(CONNECTION_NAME, "string", "twelvefold", false,
                    "The client-provided connection name shown by the broker (suffixed -publish and -consume)."),
            new ConfigKey(CONNECTION_TIMEOUT, "duration", "5s", false,
                    "How long opening a connection may wait for the TCP connection, and then for the AMQP handshake."),
            new ConfigKey(PREFETCH, "int", null, false,
                    "Unacknowledged messages the broker may push to one subscription (basic.qos); "
                            + "by default the channel's max-in-flight."),
            new ConfigKey(QUEUE_TYPE, "string", "classic", false,
                    "The type of the queues declared for consumer groups: classic or quorum."),
            new ConfigKey(ORDERING, "string", "none", false,
                    "none (members of a group compete for messages) or single-active-consumer "
                            + "(one member of a group consumes at a time, in queue order)."),
            new ConfigKey(DECLARE, "boolean", "true", false,
                    "Whether the transport declares its exchanges, queues and bindings; false declares nothing and "
                            + "checks that each object it uses exists (for users without the configure permission)."),
            new ConfigKey(MAX_DELIVERIES, "int", "5", false,
                    "Deliveries of one message before the transport rejects it to the dead-letter exchange "
                            + "(the guard against a message that crashes the consumer)."),
            new ConfigKey(PUBLISHER_CHANNELS, "int", "2", false,
                    "Publishing channels shared by the publishers of a transport, from 1 to " + MAX_PUBLISHER_CHANNELS
                            + "; a key always uses the same one."),
            new ConfigKey(RECOVERY_INTERVAL, "duration", "1s", false,
                    "How long to wait between attempts to reconnect after the connection dropped."),
            new ConfigKey(PUBLISH_TIMEOUT, "duration", "30s", false,
                    "How long Publisher.close() waits for outstanding confirms."),
            new ConfigKey(TLS_ENABLED, "boolean", "false", false,
                    "Use TLS (implied by an amqps:// URI)."),
            new ConfigKey(TLS_TRUST_STORE, "string", null, false,
                    "A PKCS12 trust store file with the broker's CA; by default the JDK's trust store."),
            new ConfigKey(TLS_TRUST_STORE_PASSWORD, "string", null, true,
                    "The trust store's password."),
            new ConfigKey(TLS_KEY_STORE, "string", null, false,
                    "A PKCS12 key store file with the client certificate, for mutual TLS."),
            new ConfigKey(TLS_KEY_STORE_PASSWORD, "string", null, true,
                    "The key store's password."),
            new ConfigKey(TLS_VERIFY_HOSTNAME, "boolean", "true", false,
                    "Check that the broker's certificate names the host of the URI."));

    /** The queue type of consumer groups ({@code x-queue-type}). */
    enum QueueType {
        CLASSIC, QUORUM;

        String argument() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the members of a group share a queue. */
    enum Ordering {
        NONE, SINGLE_ACTIVE_CONSUMER
    }

    /**
     * TLS settings.
     *
     * @param enabled whether to use TLS
     * @param trustStore a PKCS12 file, or null for the JDK's trust store
     * @param trustStorePassword its password, or null
     * @param keyStore a PKCS12 file with the client certificate, or null
     * @param keyStorePassword its password, or null
     * @param verifyHostname whether to check the broker's host name
     */
    record Tls(boolean enabled, String trustStore, String trustStorePassword, String keyStore,
            String keyStorePassword, boolean verifyHostname) {
        @Override
        public String toString() {
            // never the passwords
            return "Tls[enabled=" + enabled + ", trustStore=" + trustStore + ", keyStore=" + keyStore
                    + ", verifyHostname=" + verifyHostname + "]";
        }
    }

    @Override
    public String toString() {
        return "RabbitMqConfig[uri=" + redact(uri.toString()) + ", virtualHost=" + virtualHost + ", connectionName="
                + connectionName + ", connectionTimeout=" + connectionTimeout + ", prefetch=" + prefetch + ", queueType="
                + queueType + ", ordering=" + ordering + ", declare=" + declare + ", maxDeliveries=" + maxDeliveries + ", publisherChannels=" + publisherChannels
                + ", recoveryInterval=" + recoveryInterval + ", publishTimeout=" + publishTimeout + ", tls=" + tls + "]";
    }

    /**
     * Reads and validates the properties, reporting every problem at once.
     *
     * @param properties the keys relative to {@code twelvefold.rabbitmq.}, never null
     * @return the settings, never null
     * @throws ConfigurationException listing every invalid value
     */
    static RabbitMqConfig from(Map<String, String> properties) {
        List<String> problems = new ArrayList<>();
        RabbitMqConfig config = read(properties, problems);
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return config;
    }

    /**
     * Reads the properties, adding a line to {@code problems} for every invalid value.
     *
     * @param properties the keys relative to {@code twelvefold.rabbitmq.}, never null
     * @param problems where the problems go, never null
     * @return the settings, or null when a value is invalid
     */
    static RabbitMqConfig read(Map<String, String> properties, List<String> problems) {
        int before = problems.size();
        ConfigReader r = new ConfigReader(properties, KEYS, RabbitMqConfig::describe, problems);
        URI uri = r.uri(URI_KEY);
        String virtualHost = r.optional(VIRTUAL_HOST);
        String connectionName = r.nonBlank(CONNECTION_NAME);
        Duration connectionTimeout = r.duration(CONNECTION_TIMEOUT);
        if (connectionTimeout.compareTo(MAX_CONNECTION_TIMEOUT) > 0) {
            r.problem(describe(CONNECTION_TIMEOUT) + " must be at most 10m, was '" + r.raw(CONNECTION_TIMEOUT) + "'");
        }
        Integer prefetch = r.optional(PREFETCH) == null ? null : r.integer(PREFETCH, 1, 65_535);
        QueueType queueType = r.choice(QUEUE_TYPE, QueueType.class);
        Ordering ordering = r.choice(ORDERING, Ordering.class);
        boolean declare = r.bool(DECLARE);
        int maxDeliveries = r.integer(MAX_DELIVERIES, 1, Integer.MAX_VALUE);
        int publisherChannels = r.integer(PUBLISHER_CHANNELS, 1, MAX_PUBLISHER_CHANNELS);
        Duration recoveryInterval = r.duration(RECOVERY_INTERVAL);
        Duration publishTimeout = r.duration(PUBLISH_TIMEOUT);
        boolean tlsEnabled = r.bool(TLS_ENABLED) || (uri != null && "amqps".equalsIgnoreCase(uri.getScheme()));
        Tls tls = new Tls(tlsEnabled, r.optional(TLS_TRUST_STORE), r.optional(TLS_TRUST_STORE_PASSWORD),
                r.optional(TLS_KEY_STORE), r.optional(TLS_KEY_STORE_PASSWORD), r.bool(TLS_VERIFY_HOSTNAME));
        if (problems.size() > before) {
            return null;
        }
        return new RabbitMqConfig(uri, virtualHost, connectionName, connectionTimeout, prefetch, queueType, ordering,
                declare, maxDeliveries, publisherChannels, recoveryInterval, publishTimeout, tls);
    }

    /** {@code twelvefold.rabbitmq.<key> (TWELVEFOLD_RABBITMQ_<KEY>)}. */
    static String describe(String key) {
        String full = "twelvefold." + NAME + "." + key;
        return full + " (" + ConfigReader.environmentVariable(full) + ")";
    }

    private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^@/]*)@");

    /**
     * A URI as it may be shown: the password of its user info replaced with {@code <redacted>}.
     *
     * @param uri a URI, maybe malformed, never null
     * @return the URI without its password
     */
    static String redact(String uri) {
        Matcher m = USER_INFO.matcher(uri);
        if (!m.find()) {
            return uri;
        }
        String userInfo = m.group(2);
        int colon = userInfo.indexOf(':');
        String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
        return m.group(1) + user + ":<redacted>@" + uri.substring(m.end());
    }
}
