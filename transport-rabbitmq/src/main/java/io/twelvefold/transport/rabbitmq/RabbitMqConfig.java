package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
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
        Integer prefetch,
        QueueType queueType,
        Ordering ordering,
        int maxDeliveries,
        int publisherChannels,
        Duration recoveryInterval,
        Duration publishTimeout,
        Tls tls) {

    static final String NAME = "rabbitmq";

    static final String URI_KEY = "uri";
    static final String VIRTUAL_HOST = "virtual-host";
    static final String CONNECTION_NAME = "connection-name";
    static final String PREFETCH = "prefetch";
    static final String QUEUE_TYPE = "queue-type";
    static final String ORDERING = "ordering";
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

    /** Every key the transport reads, in the order of the manifest and the docs table. */
    static final List<ConfigKey> KEYS = List.of(
            new ConfigKey(URI_KEY, "string", DEFAULT_URI, true,
                    "The broker: amqp://user:password@host:port/vhost, or amqps:// for TLS; the user info is a secret."),
            new ConfigKey(VIRTUAL_HOST, "string", null, false,
                    "The virtual host, overriding the one of the URI."),
            new ConfigKey(CONNECTION_NAME, "string", "twelvefold", false,
                    "The client-provided connection name shown by the broker (suffixed -publish and -consume)."),
            new ConfigKey(PREFETCH, "int", null, false,
                    "Unacknowledged messages the broker may push to one subscription (basic.qos); "
                            + "by default the channel's max-in-flight."),
            new ConfigKey(QUEUE_TYPE, "string", "classic", false,
                    "The type of the queues declared for consumer groups: classic or quorum."),
            new ConfigKey(ORDERING, "string", "none", false,
                    "none (members of a group compete for messages) or single-active-consumer "
                            + "(one member of a group consumes at a time, in queue order)."),
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
                + connectionName + ", prefetch=" + prefetch + ", queueType=" + queueType + ", ordering=" + ordering
                + ", maxDeliveries=" + maxDeliveries + ", publisherChannels=" + publisherChannels
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
        Reader r = new Reader(properties);
        URI uri = r.uri();
        String virtualHost = r.optional(VIRTUAL_HOST);
        String connectionName = r.nonBlank(CONNECTION_NAME);
        Integer prefetch = r.optional(PREFETCH) == null ? null : r.integer(PREFETCH, 1, 65_535);
        QueueType queueType = r.choice(QUEUE_TYPE, QueueType.class);
        Ordering ordering = r.choice(ORDERING, Ordering.class);
        int maxDeliveries = r.integer(MAX_DELIVERIES, 1, Integer.MAX_VALUE);
        int publisherChannels = r.integer(PUBLISHER_CHANNELS, 1, MAX_PUBLISHER_CHANNELS);
        Duration recoveryInterval = r.duration(RECOVERY_INTERVAL);
        Duration publishTimeout = r.duration(PUBLISH_TIMEOUT);
        boolean tlsEnabled = r.bool(TLS_ENABLED) || (uri != null && "amqps".equalsIgnoreCase(uri.getScheme()));
        Tls tls = new Tls(tlsEnabled, r.optional(TLS_TRUST_STORE), r.optional(TLS_TRUST_STORE_PASSWORD),
                r.optional(TLS_KEY_STORE), r.optional(TLS_KEY_STORE_PASSWORD), r.bool(TLS_VERIFY_HOSTNAME));
        if (!r.problems.isEmpty()) {
            throw new ConfigurationException(r.problems);
        }
        return new RabbitMqConfig(uri, virtualHost, connectionName.strip(), prefetch, queueType, ordering,
                maxDeliveries, publisherChannels, recoveryInterval, publishTimeout, tls);
    }

    /** {@code twelvefold.rabbitmq.<key> (TWELVEFOLD_RABBITMQ_<KEY>)}. */
    static String describe(String key) {
        return "twelvefold." + NAME + "." + key + " (TWELVEFOLD_" + NAME.toUpperCase(Locale.ROOT) + "_"
                + key.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_') + ")";
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

    /** Reads values, defaults from {@link #KEYS}, and collects problems. */
    private static final class Reader {
        private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
        private final Map<String, String> properties;
        private final List<String> problems = new ArrayList<>();

        Reader(Map<String, String> properties) {
            this.properties = properties;
        }

        String optional(String key) {
            String value = properties.get(key);
            if (value == null) {
                value = defaultOf(key);
            }
            return value == null || value.isBlank() ? null : value.strip();
        }

        String raw(String key) {
            String value = properties.get(key);
            return value != null ? value : defaultOf(key);
        }

        String nonBlank(String key) {
            String value = raw(key);
            if (value == null || value.isBlank()) {
                problems.add(describe(key) + " must not be blank, was '" + (value == null ? "" : value) + "'");
                return "";
            }
            return value;
        }

        URI uri() {
            String value = raw(URI_KEY);
            String shown = value == null ? "" : redact(value);
            try {
                URI uri = new URI(value == null ? "" : value.strip());
                String scheme = uri.getScheme();
                if (scheme == null || !(scheme.equalsIgnoreCase("amqp") || scheme.equalsIgnoreCase("amqps"))
                        || uri.getHost() == null) {
                    problems.add(describe(URI_KEY) + " must be a URI like 'amqp://user:password@host:5672/vhost' "
                            + "(or amqps://), was '" + shown + "'");
                    return null;
                }
                return uri;
            } catch (URISyntaxException e) {
                problems.add(describe(URI_KEY) + " must be a URI like 'amqp://user:password@host:5672/vhost' "
                        + "(or amqps://), was '" + shown + "'");
                return null;
            }
        }

        int integer(String key, int min, int max) {
            String value = raw(key);
            try {
                int n = Integer.parseInt(value == null ? "" : value.strip());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            problems.add(describe(key) + " must be an integer " + (max == Integer.MAX_VALUE
                    ? "of at least " + min : "from " + min + " to " + max) + ", was '" + value + "'");
            return min;
        }

        boolean bool(String key) {
            String value = raw(key);
            String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
            if (v.equals("true") || v.equals("false")) {
                return Boolean.parseBoolean(v);
            }
            problems.add(describe(key) + " must be true or false, was '" + value + "'");
            return false;
        }

        <E extends Enum<E>> E choice(String key, Class<E> type) {
            String value = raw(key);
            String v = value == null ? "" : value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(v)) {
                    return e;
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            problems.add(describe(key) + " must be one of " + String.join(", ", names) + ", was '" + value + "'");
            return type.getEnumConstants()[0];
        }

        Duration duration(String key) {
            String value = raw(key);
            String v = value == null ? "" : value.strip();
            Duration d = null;
            Matcher m = SHORT_DURATION.matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            } else {
                try {
                    d = Duration.parse(v);
                } catch (DateTimeParseException e) {
                    // reported below
                }
            }
            if (d == null || d.isNegative() || d.isZero()) {
                problems.add(describe(key) + " must be a positive duration like '30s', was '" + value + "'");
                return Duration.ofSeconds(1);
            }
            return d;
        }

        private static String defaultOf(String key) {
            for (ConfigKey k : KEYS) {
                if (k.name().equals(key)) {
                    return k.defaultValue();
                }
            }
            throw new IllegalArgumentException("undeclared key " + key);
        }
    }
}
