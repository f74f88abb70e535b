package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The provider and its configuration, without a broker. */
class RabbitMqTransportProviderTest {

    private static TestContext context(Map<String, String> properties) {
        return new TestContext(properties);
    }

    @Test
    @DisplayName("ServiceLoader finds the provider under the name 'rabbitmq'")
    void foundByServiceLoader() {
        List<TransportProvider> providers = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        assertThat(providers).singleElement().isInstanceOf(RabbitMqTransportProvider.class)
                .extracting(TransportProvider::name).isEqualTo("rabbitmq");
    }

    @Test
    @DisplayName("declares its keys with types and defaults; the URI and the passwords are secret")
    void configKeys() {
        assertThat(new RabbitMqTransportProvider().configKeys())
                .extracting(ConfigKey::name, ConfigKey::type, ConfigKey::defaultValue, ConfigKey::secret)
                .containsExactly(
                        tuple("uri", "string", "amqp://localhost:5672", true),
                        tuple("virtual-host", "string", null, false),
                        tuple("connection-name", "string", "twelvefold", false),
                        tuple("connection-timeout", "duration", "5s", false),
                        tuple("prefetch", "int", null, false),
                        tuple("queue-type", "string", "classic", false),
                        tuple("ordering", "string", "none", false),
                        tuple("declare", "boolean", "true", false),
                        tuple("max-deliveries", "int", "5", false),
                        tuple("publisher-channels", "int", "2", false),
                        tuple("recovery-interval", "duration", "1s", false),
                        tuple("publish-timeout", "duration", "30s", false),
                        tuple("tls.enabled", "boolean", "false", false),
                        tuple("tls.trust-store", "string", null, false),
                        tuple("tls.trust-store-password", "string", null, true),
                        tuple("tls.key-store", "string", null, false),
                        tuple("tls.key-store-password", "string", null, true),
                        tuple("tls.verify-hostname", "boolean", "true", false));
    }

    @Test
    @DisplayName("defaults: localhost, classic queues, competing members, prefetch from the channel's max-in-flight")
    void defaults() {
        RabbitMqConfig config = RabbitMqConfig.from(Map.of());
        assertThat(config.uri()).hasToString("amqp://localhost:5672");
        assertThat(config.queueType()).isEqualTo(RabbitMqConfig.QueueType.CLASSIC);
        assertThat(config.ordering()).isEqualTo(RabbitMqConfig.Ordering.NONE);
        assertThat(config.prefetch()).isNull();
        assertThat(config.maxDeliveries()).isEqualTo(5);
        assertThat(config.recoveryInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.tls().enabled()).isFalse();
    }

    @Test
    @DisplayName("reads every kind of value: short and ISO durations, kebab-case choices, amqps implying TLS")
    void values() {
        RabbitMqConfig config = RabbitMqConfig.from(Map.of("uri", "amqps://app:s3cret@rabbit.example:5671/prod",
                "prefetch", "100", "queue-type", "quorum", "ordering", "single-active-consumer",
                "recovery-interval", "500ms", "publish-timeout", "PT2M", "virtual-host", "other"));
        assertThat(config.prefetch()).isEqualTo(100);
        assertThat(config.queueType()).isEqualTo(RabbitMqConfig.QueueType.QUORUM);
        assertThat(config.ordering()).isEqualTo(RabbitMqConfig.Ordering.SINGLE_ACTIVE_CONSUMER);
        assertThat(config.recoveryInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.publishTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.tls().enabled()).isTrue();
        assertThat(config.virtualHost()).isEqualTo("other");
        assertThat(config.toString()).doesNotContain("s3cret").contains("amqps://app:<redacted>@rabbit.example:5671/prod");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "prefetch|x|twelvefold.rabbitmq.prefetch (TWELVEFOLD_RABBITMQ_PREFETCH) must be an integer from 1 to 65535, was 'x'",
        "prefetch|0|twelvefold.rabbitmq.prefetch (TWELVEFOLD_RABBITMQ_PREFETCH) must be an integer from 1 to 65535, was '0'",
        "max-deliveries|0|twelvefold.rabbitmq.max-deliveries (TWELVEFOLD_RABBITMQ_MAX_DELIVERIES) must be an integer of at least 1, was '0'",
        "publisher-channels|65|twelvefold.rabbitmq.publisher-channels (TWELVEFOLD_RABBITMQ_PUBLISHER_CHANNELS) must be an integer from 1 to 64, was '65'",
        "queue-type|stream|twelvefold.rabbitmq.queue-type (TWELVEFOLD_RABBITMQ_QUEUE_TYPE) must be one of classic, quorum, was 'stream'",
        "ordering|strict|twelvefold.rabbitmq.ordering (TWELVEFOLD_RABBITMQ_ORDERING) must be one of none, single-active-consumer, was 'strict'",
        "recovery-interval|-5s|twelvefold.rabbitmq.recovery-interval (TWELVEFOLD_RABBITMQ_RECOVERY_INTERVAL) must be a positive duration like '30s', was '-5s'",
        "tls.enabled|yes|twelvefold.rabbitmq.tls.enabled (TWELVEFOLD_RABBITMQ_TLS_ENABLED) must be true or false, was 'yes'",
        "connection-name|' '|twelvefold.rabbitmq.connection-name (TWELVEFOLD_RABBITMQ_CONNECTION_NAME) must not be blank, was ' '",
        "uri|http://localhost|twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) must be a URI like 'amqp://user:password@host:5672/vhost' (or amqps://), was 'http://localhost'",
    })
    @DisplayName("rejects an invalid value, naming the key and the environment variable")
    void invalidValue(String key, String value, String problem) {
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(context(Map.of(key, value))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Configuration is invalid: " + problem);
    }

    @Test
    @DisplayName("reports every problem at once, and never the password of the URI")
    void everyProblemAndNoPassword() {
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(context(Map.of(
                "uri", "rabbit://app:s3cret@host", "prefetch", "many"))))
                .isInstanceOf(ConfigurationException.class)
                .extracting(e -> ((ConfigurationException) e).problems())
                .isEqualTo(List.of(
                        "twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) must be a URI like "
                                + "'amqp://user:password@host:5672/vhost' (or amqps://), was 'rabbit://app:<redacted>@host'",
                        "twelvefold.rabbitmq.prefetch (TWELVEFOLD_RABBITMQ_PREFETCH) must be an integer from 1 to 65535, "
                                + "was 'many'"));
    }

    @Test
    @DisplayName("a broker that does not answer is a TransportException naming the URI without its password")
    void unreachable() {
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(context(Map.of(
                "uri", "amqp://app:s3cret@127.0.0.1:1"))))
                .isInstanceOf(TransportException.class)
                .hasMessageStartingWith("RabbitMQ at 'amqp://app:<redacted>@127.0.0.1:1' is not reachable: ")
                .hasMessageEndingWith("; check twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) and that the broker runs")
                .message().doesNotContain("s3cret");
    }

    @Test
    @DisplayName("a TLS store that cannot be read is a configuration problem naming the key and the file")
    void unreadableTrustStore(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String missing = dir.resolve("missing.p12").toString();
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(context(Map.of(
                "uri", "amqps://localhost:1", "tls.trust-store", missing, "tls.trust-store-password", "hunter2"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Configuration is invalid: twelvefold.rabbitmq.tls.trust-store "
                        + "(TWELVEFOLD_RABBITMQ_TLS_TRUST_STORE) cannot be read: no such file, was '" + missing + "'");
        java.nio.file.Path garbage = java.nio.file.Files.writeString(dir.resolve("garbage.p12"), "not a store");
        assertThatThrownBy(() -> new RabbitMqTransportProvider().create(context(Map.of(
                "uri", "amqps://localhost:1", "tls.key-store", garbage.toString(), "tls.key-store-password", "hunter2"))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Configuration is invalid: twelvefold.rabbitmq.tls.key-store "
                        + "(TWELVEFOLD_RABBITMQ_TLS_KEY_STORE) cannot be read: ")
                .hasMessageEndingWith(", was '" + garbage + "'")
                .message().doesNotContain("hunter2");
    }

    @Test
    @DisplayName("an app reads the keys from TWELVEFOLD_RABBITMQ_* variables and names the variable in its error, without secrets")
    void fromEnvironment() {
        Map<String, String> env = Map.of(
                "TWELVEFOLD_TRANSPORT", "rabbitmq",
                "TWELVEFOLD_RABBITMQ_URI", "amqp://app:s3cret@localhost:5672",
                "TWELVEFOLD_RABBITMQ_PREFETCH", "lots",
                "TWELVEFOLD_RABBITMQ_TLS_TRUST_STORE_PASSWORD", "hunter2",
                "TWELVEFOLD_RABBITMQ_TLS_VERIFY_HOSTNAME", "maybe");
        assertThatThrownBy(() -> io.twelvefold.core.App.builder()
                .environment(env)
                .transportProvider(new RabbitMqTransportProvider())
                .config("twelvefold.name", "env-test")
                .build().start())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).containsExactly(
                        "twelvefold.rabbitmq.prefetch (TWELVEFOLD_RABBITMQ_PREFETCH) must be an integer from 1 to 65535, "
                                + "was 'lots'",
                        "twelvefold.rabbitmq.tls.verify-hostname (TWELVEFOLD_RABBITMQ_TLS_VERIFY_HOSTNAME) must be true or "
                                + "false, was 'maybe'"))
                .message().doesNotContain("s3cret").doesNotContain("hunter2");
    }

    @Test
    @DisplayName("declares its channel keys: queue, exchange, routing-key and key")
    void channelConfigKeys() {
        assertThat(new RabbitMqTransportProvider().channelConfigKeys())
                .extracting(ConfigKey::name, ConfigKey::type, ConfigKey::defaultValue, ConfigKey::secret)
                .containsExactly(
                        tuple("queue", "string", null, false),
                        tuple("exchange", "string", null, false),
                        tuple("routing-key", "string", null, false),
                        tuple("key", "string", "header", false));
    }

    @Test
    @DisplayName("validate reports every bad setting and channel option at once, in house style, without connecting")
    void validateReportsEverything() {
        String longName = "q".repeat(256);
        TestContext context = new TestContext(
                Map.of("uri", "amqp://app:s3cret@127.0.0.1:1", "queue-type", "stream", "prefetch", "70000",
                        "connection-timeout", "1h"),
                Map.of("orders", Map.of("key", "partition", "exchange", "amq.default"),
                        "jedi-commands", Map.of("queue", longName)));
        assertThatThrownBy(() -> new RabbitMqTransportProvider().validate(context))
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).containsExactlyInAnyOrder(
                        "twelvefold.rabbitmq.connection-timeout (TWELVEFOLD_RABBITMQ_CONNECTION_TIMEOUT) must be at "
                                + "most 10m, was '1h'",
                        "twelvefold.rabbitmq.prefetch (TWELVEFOLD_RABBITMQ_PREFETCH) must be an integer from 1 to 65535, "
                                + "was '70000'",
                        "twelvefold.rabbitmq.queue-type (TWELVEFOLD_RABBITMQ_QUEUE_TYPE) must be one of classic, quorum, "
                                + "was 'stream'",
                        "twelvefold.channels.orders.rabbitmq.key (TWELVEFOLD_CHANNELS_ORDERS_RABBITMQ_KEY) must be one "
                                + "of header, routing-key, was 'partition'",
                        "twelvefold.channels.jedi-commands.rabbitmq.queue "
                                + "(TWELVEFOLD_CHANNELS_JEDI_COMMANDS_RABBITMQ_QUEUE) must be at most 255 bytes long "
                                + "(AMQP 0-9-1), was '" + longName + "'"))
                .message().doesNotContain("s3cret");
        // the channel's other problem shows once its key is valid
        assertThatThrownBy(() -> new RabbitMqTransportProvider().validate(new TestContext(Map.of(),
                Map.of("orders", Map.of("exchange", "amq.default")))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Configuration is invalid: twelvefold.channels.orders.rabbitmq.routing-key "
                        + "(TWELVEFOLD_CHANNELS_ORDERS_RABBITMQ_ROUTING_KEY) must name the queue to publish to when "
                        + "twelvefold.channels.orders.rabbitmq.exchange (TWELVEFOLD_CHANNELS_ORDERS_RABBITMQ_EXCHANGE) "
                        + "is 'amq.default' (the default exchange routes by queue name), was ''; set it, or set "
                        + "twelvefold.channels.orders.rabbitmq.queue (TWELVEFOLD_CHANNELS_ORDERS_RABBITMQ_QUEUE)");
        // valid settings pass, and nothing listens on port 1: validate did not connect
        new RabbitMqTransportProvider().validate(new TestContext(Map.of("uri", "amqp://127.0.0.1:1", "declare", "false"),
                Map.of("toons", Map.of("queue", "toons", "key", "routing-key"),
                        "out", Map.of("exchange", "amq.default", "routing-key", "toons"))));
    }

    @Test
    @DisplayName("an app reports the transport's problems and its channels' with the core's, before connecting")
    void appReportsChannelOptionProblems() {
        Map<String, String> env = Map.of(
                "TWELVEFOLD_TRANSPORT", "rabbitmq",
                "TWELVEFOLD_RABBITMQ_URI", "amqp://127.0.0.1:1",
                "TWELVEFOLD_RABBITMQ_QUEUE_TYPE", "stream",
                "TWELVEFOLD_CHANNELS_TOONS_RABBITMQ_KEY", "everything");
        assertThatThrownBy(() -> io.twelvefold.core.App.builder()
                .environment(env)
                .transportProvider(new RabbitMqTransportProvider())
                .config("twelvefold.name", "validate-test")
                .output("toons")
                .build())
                .isInstanceOf(ConfigurationException.class)
                .satisfies(e -> assertThat(((ConfigurationException) e).problems()).contains(
                        "twelvefold.rabbitmq.queue-type (TWELVEFOLD_RABBITMQ_QUEUE_TYPE) must be one of classic, quorum, "
                                + "was 'stream'",
                        "twelvefold.channels.toons.rabbitmq.key (TWELVEFOLD_CHANNELS_TOONS_RABBITMQ_KEY) must be one of "
                                + "header, routing-key, was 'everything'"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "amqp://localhost:5672|amqp://localhost:5672",
        "amqp://guest:guest@localhost/%2f|amqp://guest:<redacted>@localhost/%2f",
        "amqps://only-user@host|amqps://only-user:<redacted>@host",
        "not a uri|not a uri",
    })
    @DisplayName("redacts the password of a URI")
    void redact(String uri, String shown) {
        assertThat(RabbitMqConfig.redact(uri)).isEqualTo(shown);
    }
}
