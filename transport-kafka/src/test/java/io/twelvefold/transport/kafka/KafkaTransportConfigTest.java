package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Configuration of the Kafka transport, without a broker. */
class KafkaTransportConfigTest {

    @Test
    @DisplayName("ServiceLoader finds the provider under the name 'kafka'")
    void serviceLoaderFindsTheProvider() {
        assertThat(ServiceLoader.load(TransportProvider.class).stream().map(ServiceLoader.Provider::get)
                .map(TransportProvider::name)).contains("kafka");
    }

    @Test
    @DisplayName("The config keys include the connection, security, topic, timeout and pass-through keys; secrets are marked")
    void configKeys() {
        Map<String, ConfigKey> keys = new LinkedHashMap<>();
        new KafkaTransportProvider().configKeys().forEach(k -> keys.put(k.name(), k));
        assertThat(keys).containsKeys("bootstrap-servers", "client-id", "security-protocol", "sasl-mechanism",
                "sasl-jaas-config", "ssl-truststore-location", "ssl-truststore-password", "ssl-keystore-location",
                "ssl-keystore-password", "ssl-key-password", "group-protocol", "create-topics", "topic-partitions",
                "topic-replication-factor", "connect-timeout", "subscribe-timeout", "client.*");
        assertThat(keys.values().stream().filter(ConfigKey::secret).map(ConfigKey::name)).containsExactlyInAnyOrder(
                "sasl-jaas-config", "ssl-truststore-password", "ssl-keystore-password", "ssl-key-password");
        assertThat(keys.get("bootstrap-servers").defaultValue()).isEqualTo("localhost:9092");
        assertThat(keys.get("create-topics").defaultValue()).isEqualTo("true");
        assertThat(keys.get("connect-timeout").defaultValue()).isEqualTo("5s");
    }

    @Test
    @DisplayName("Every invalid value is reported at once, naming the key and the environment variable")
    void invalidValuesAreReportedTogether() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap-servers", "kafka-without-port");
        p.put("security-protocol", "TLS");
        p.put("group-protocol", "modern");
        p.put("create-topics", "yes");
        p.put("topic-partitions", "0");
        p.put("subscribe-timeout", "-5s");
        assertThatThrownBy(() -> create(p))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "twelvefold.kafka.bootstrap-servers (TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS) must be a "
                                + "comma-separated list of host:port, was 'kafka-without-port'",
                        "twelvefold.kafka.security-protocol (TWELVEFOLD_KAFKA_SECURITY_PROTOCOL) must be one of "
                                + "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, was 'TLS'",
                        "twelvefold.kafka.group-protocol (TWELVEFOLD_KAFKA_GROUP_PROTOCOL) must be classic or consumer, "
                                + "was 'modern'",
                        "twelvefold.kafka.create-topics (TWELVEFOLD_KAFKA_CREATE_TOPICS) must be true or false, "
                                + "was 'yes'",
                        "twelvefold.kafka.topic-partitions (TWELVEFOLD_KAFKA_TOPIC_PARTITIONS) must be an integer from "
                                + "1 to 2147483647, was '0'",
                        "twelvefold.kafka.subscribe-timeout (TWELVEFOLD_KAFKA_SUBSCRIBE_TIMEOUT) must be a positive "
                                + "duration like '30s', was '-5s'"));
    }

    @Test
    @DisplayName("client.* passes native properties through, refuses those that would break the contract, and never shows a secret")
    void passThrough() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client.max.poll.records", "50");
        p.put("client.linger.ms", "10");
        KafkaTransportConfig config = KafkaTransportConfig.of(p);
        assertThat(config.clientProperties(org.apache.kafka.clients.consumer.ConsumerConfig.configNames()))
                .containsEntry("max.poll.records", "50").doesNotContainKey("linger.ms");
        assertThat(config.clientProperties(org.apache.kafka.clients.producer.ProducerConfig.configNames()))
                .containsEntry("linger.ms", "10").doesNotContainKey("max.poll.records");

        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("client.enable.auto.commit", "true");
        bad.put("client.max.pol.records", "50");
        bad.put("client.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"u\" password=\"hunter2-secret\";");
        bad.put("security-protocol", "SASL_SSL");
        assertThatThrownBy(() -> KafkaTransportConfig.of(bad))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "twelvefold.kafka.sasl-jaas-config (TWELVEFOLD_KAFKA_SASL_JAAS_CONFIG) must be set when "
                                + "twelvefold.kafka.security-protocol (TWELVEFOLD_KAFKA_SECURITY_PROTOCOL) is SASL_SSL, "
                                + "was ''",
                        "twelvefold.kafka.client.enable.auto.commit (TWELVEFOLD_KAFKA_CLIENT_ENABLE_AUTO_COMMIT) cannot "
                                + "be set: Twelvefold sets it to keep at-least-once delivery, was 'true'",
                        "twelvefold.kafka.client.max.pol.records (TWELVEFOLD_KAFKA_CLIENT_MAX_POL_RECORDS) must name a "
                                + "Kafka producer, consumer or admin client property, was '50'; did you mean "
                                + "twelvefold.kafka.client.max.poll.records (TWELVEFOLD_KAFKA_CLIENT_MAX_POLL_RECORDS)?",
                        "twelvefold.kafka.client.sasl.jaas.config (TWELVEFOLD_KAFKA_CLIENT_SASL_JAAS_CONFIG) cannot be "
                                + "set: use twelvefold.kafka.sasl-jaas-config (TWELVEFOLD_KAFKA_SASL_JAAS_CONFIG), "
                                + "was '<redacted>'")
                        .noneMatch(line -> line.contains("hunter2")));
    }

    @Test
    @DisplayName("Security settings map to the native client properties; a missing truststore file is a problem")
    void security() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security-protocol", "sasl_ssl");
        p.put("sasl-mechanism", "SCRAM-SHA-512");
        p.put("sasl-jaas-config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("ssl-truststore-password", "changeit-secret");
        KafkaTransportConfig config = KafkaTransportConfig.of(p);
        assertThat(config.common).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.password", "changeit-secret");

        p.put("ssl-truststore-location", "/no/such/truststore.p12");
        assertThatThrownBy(() -> KafkaTransportConfig.of(p)).hasMessage("Configuration is invalid: "
                + "twelvefold.kafka.ssl-truststore-location (TWELVEFOLD_KAFKA_SSL_TRUSTSTORE_LOCATION) must be a "
                + "readable file, was '/no/such/truststore.p12'");
    }

    @Test
    @DisplayName("validate() reports every bad value without connecting: a bad enum, native names and values checked by kafka-clients")
    void validateWithoutConnecting() {
        Map<String, String> p = new LinkedHashMap<>();
        // nothing listens there: validate must not try
        p.put("bootstrap-servers", "127.0.0.1:1");
        p.put("group-protocol", "modern");
        p.put("connect-timeout", "soon");
        p.put("client.max.poll.records", "0");
        p.put("client.fetch.max.wait.ms", "a while");
        p.put("client.auto.offset.reset", "oldest");
        p.put("client.completely.unknown", "1");
        p.put("client.ssl.truststore.type", "PKCS12");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> new KafkaTransportProvider().validate(new TestContext(p)))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "twelvefold.kafka.group-protocol (TWELVEFOLD_KAFKA_GROUP_PROTOCOL) must be classic or consumer, "
                                + "was 'modern'",
                        "twelvefold.kafka.connect-timeout (TWELVEFOLD_KAFKA_CONNECT_TIMEOUT) must be a positive "
                                + "duration like '30s', was 'soon'",
                        "twelvefold.kafka.client.auto.offset.reset (TWELVEFOLD_KAFKA_CLIENT_AUTO_OFFSET_RESET) is not a "
                                + "valid string for Kafka's auto.offset.reset (The value must be either 'earliest', 'latest', "
                                + "'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'), was 'oldest'",
                        "twelvefold.kafka.client.completely.unknown (TWELVEFOLD_KAFKA_CLIENT_COMPLETELY_UNKNOWN) must name "
                                + "a Kafka producer, consumer or admin client property, was '1'; check the name in the "
                                + "Kafka client documentation",
                        "twelvefold.kafka.client.fetch.max.wait.ms (TWELVEFOLD_KAFKA_CLIENT_FETCH_MAX_WAIT_MS) is not a "
                                + "valid int for Kafka's fetch.max.wait.ms (Not a number of type INT), was 'a while'",
                        "twelvefold.kafka.client.max.poll.records (TWELVEFOLD_KAFKA_CLIENT_MAX_POLL_RECORDS) is not a "
                                + "valid int for Kafka's max.poll.records (Value must be at least 1), was '0'"));
        assertThat(System.nanoTime() - t0).as("no connection attempt").isLessThan(TimeUnit.SECONDS.toNanos(5));

        Map<String, String> good = new LinkedHashMap<>();
        good.put("client.max.poll.records", "50");
        good.put("client.auto.offset.reset", "latest");
        new KafkaTransportProvider().validate(new TestContext(good));
    }

    @Test
    @DisplayName("The clients reconnect with a backoff up to 10 s and without rebootstrapping, unless client.* says otherwise")
    void reconnectDefaults() {
        KafkaTransportConfig defaults = KafkaTransportConfig.of(Map.of());
        assertThat(defaults.clientProperties(org.apache.kafka.clients.admin.AdminClientConfig.configNames()))
                .containsEntry("reconnect.backoff.ms", 500).containsEntry("reconnect.backoff.max.ms", 10_000)
                .containsEntry("metadata.recovery.strategy", "none");
        KafkaTransportConfig overridden = KafkaTransportConfig.of(Map.of("client.reconnect.backoff.max.ms", "1000",
                "client.metadata.recovery.strategy", "rebootstrap"));
        assertThat(overridden.clientProperties(org.apache.kafka.clients.consumer.ConsumerConfig.configNames()))
                .containsEntry("reconnect.backoff.max.ms", "1000").containsEntry("metadata.recovery.strategy", "rebootstrap");
    }

    @Test
    @DisplayName("Durations accept 500ms, 30s, 2m and ISO-8601")
    void durations() {
        assertThat(KafkaTransportConfig.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(KafkaTransportConfig.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(KafkaTransportConfig.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(KafkaTransportConfig.parseDuration("PT1S")).isEqualTo(Duration.ofSeconds(1));
        assertThat(KafkaTransportConfig.parseDuration("soon")).isNull();
    }

    private static void create(Map<String, String> properties) {
        new KafkaTransportProvider().create(new TestContext(properties)).close();
    }
}
