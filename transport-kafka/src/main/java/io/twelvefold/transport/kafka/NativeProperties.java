package io.twelvefold.transport.kafka;

import static io.twelvefold.transport.kafka.KafkaTransportConfig.key;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * The {@code twelvefold.kafka.client.*} pass-through: each native name is checked against the
 * configuration definitions of kafka-clients (producer, consumer, admin client) and each value is
 * parsed and validated by them, so a typo or a bad value is a configuration problem before anything
 * connects. Names that would break the delivery contract, or that have a key of their own, are refused.
 */
final class NativeProperties {
    private static final String CLIENT_PREFIX = KafkaTransportConfig.CLIENT_PREFIX;
    /** How many edits a misspelt name may be from a real one to be suggested, at most. */
    private static final int MAX_SUGGESTION_DISTANCE = 3;
    private static final Map<String, String> MANAGED = managed();

    private NativeProperties() {
    }

    /**
     * Reads the {@code client.*} keys of the transport's properties.
     *
     * @param properties the keys under {@code twelvefold.kafka.}, prefix removed
     * @param problems where a line goes for each bad name or value
     * @return the valid native properties by their Kafka names, in name order
     */
    static Map<String, String> read(Map<String, String> properties, List<String> problems) {
        Map<String, String> sorted = new TreeMap<>();
        properties.forEach((k, v) -> {
            if (k.startsWith(CLIENT_PREFIX) && k.length() > CLIENT_PREFIX.length()) {
                sorted.put(k.substring(CLIENT_PREFIX.length()), v);
            }
        });
        if (sorted.isEmpty()) {
            return Map.of();
        }
        List<ConfigDef> definitions = List.of(ConsumerConfig.configDef(), ProducerConfig.configDef(),
                AdminClientConfig.configDef());
        Map<String, String> valid = new LinkedHashMap<>();
        sorted.forEach((name, value) -> {
            String problem = check(name, value, definitions);
            if (problem == null) {
                valid.put(name, value);
            } else {
                problems.add(problem);
            }
        });
        return valid;
    }

    /** @return the problem line of one native property, or null when it is fine */
    private static String check(String name, String value, List<ConfigDef> definitions) {
        String subject = key(CLIENT_PREFIX + name);
        String managedBy = MANAGED.get(name);
        if (managedBy != null) {
            return subject + " cannot be set: " + managedBy + ", was '" + shown(name, value) + "'";
        }
        ConfigDef.ConfigKey definition = null;
        for (ConfigDef d : definitions) {
            definition = d.configKeys().get(name);
            if (definition != null) {
                break;
            }
        }
        if (definition == null) {
            String suggestion = closest(name, definitions);
            return subject + " must name a Kafka producer, consumer or admin client property, was '"
                    + shown(name, value) + "'; " + (suggestion == null
                            ? "check the name in the Kafka client documentation"
                            : "did you mean " + key(CLIENT_PREFIX + suggestion) + "?");
        }
        try {
            Object parsed = ConfigDef.parseType(name, value, definition.type);
            if (definition.validator != null) {
                definition.validator.ensureValid(name, parsed);
            }
            return null;
        } catch (ConfigException e) {
            String shown = shown(name, value);
            String reason = shown.equals(value) ? reason(e.getMessage(), name) : "invalid";
            return subject + " is not a valid " + definition.type.toString().toLowerCase(Locale.ROOT)
                    + " for Kafka's " + name + " (" + reason + "), was '" + shown + "'";
        }
    }

    /** Kafka's own reason, without its "Invalid value ... for configuration ...:" preamble. */
    private static String reason(String message, String name) {
        if (message == null) {
            return "invalid";
        }
        String marker = "for configuration " + name;
        int at = message.lastIndexOf(marker); // Kafka nests the same preamble at times
        String reason = at < 0 ? message : message.substring(at + marker.length());
        reason = reason.startsWith(":") || reason.startsWith(".") ? reason.substring(1).strip() : reason.strip();
        reason = reason.endsWith(".") ? reason.substring(0, reason.length() - 1) : reason;
        return reason.isEmpty() ? "invalid" : reason;
    }

    /** The known name fewest edits away from {@code name}, or null when none is close. */
    private static String closest(String name, List<ConfigDef> definitions) {
        String best = null;
        // one edit for a short name, up to three for a long one: "foo" is no typo of "acks"
        int bestDistance = Math.min(MAX_SUGGESTION_DISTANCE, 1 + name.length() / 5) + 1;
        List<String> names = new ArrayList<>();
        definitions.forEach(d -> names.addAll(d.names()));
        for (String candidate : names) {
            if (MANAGED.containsKey(candidate)) {
                continue;
            }
            int d = distance(name, candidate, bestDistance);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, or {@code limit} when it is at least that. */
    static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit) {
            return limit;
        }
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            int rowMin = current[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.min(rowMin, current[j]);
            }
            if (rowMin >= limit) {
                return limit;
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return Math.min(previous[b.length()], limit);
    }

    /** Native properties whose values are secrets are shown redacted. */
    static String shown(String nativeName, String value) {
        String n = nativeName.toLowerCase(Locale.ROOT);
        return n.contains("password") || n.contains("jaas") || n.contains("secret") || n.contains("token")
                || n.contains("credential") ? "<redacted>" : value;
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
        m.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "use " + key(KafkaTransportConfig.GROUP_PROTOCOL));
        m.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "use " + key(KafkaTransportConfig.BOOTSTRAP_SERVERS));
        m.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "use " + key(KafkaTransportConfig.SECURITY_PROTOCOL));
        m.put(SaslConfigs.SASL_JAAS_CONFIG, "use " + key(KafkaTransportConfig.SASL_JAAS_CONFIG));
        m.put(SaslConfigs.SASL_MECHANISM, "use " + key(KafkaTransportConfig.SASL_MECHANISM));
        m.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "use " + key(KafkaTransportConfig.TRUSTSTORE_LOCATION));
        m.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, "use " + key(KafkaTransportConfig.TRUSTSTORE_PASSWORD));
        m.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, "use " + key(KafkaTransportConfig.KEYSTORE_LOCATION));
        m.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, "use " + key(KafkaTransportConfig.KEYSTORE_PASSWORD));
        m.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, "use " + key(KafkaTransportConfig.KEY_PASSWORD));
        return Map.copyOf(m);
    }
}
