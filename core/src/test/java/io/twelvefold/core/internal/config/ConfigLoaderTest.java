package io.twelvefold.core.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.config.ChannelConfig;
import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    private static final Set<String> CHANNELS = Set.of("jedi-commands", "orders");

    private static final TransportProvider INMEMORY = new FakeProvider("inmemory");
    private static final TransportProvider FAKE = new FakeProvider("fake",
            new ConfigKey("bootstrap-servers", "string", "localhost:9092", false, "Where the brokers are."),
            new ConfigKey("acks", "string", "all", false, "How many replicas confirm a write."),
            new ConfigKey("poll-timeout", "duration", "1s", false, "How long a poll waits."),
            new ConfigKey("credentials", "string", null, true, "A declared secret."),
            new ConfigKey("sasl-password", "string", null, false, "A secret by its name."),
            new ConfigKey("client.*", "string", null, false, "Native client properties."));
    private static final List<TransportProvider> PROVIDERS = List.of(INMEMORY, FAKE);

    @Test
    void appliesTheDefaultsWhenNothingIsSet() {
        LoadedConfig loaded = load(Map.of());

        TwelvefoldConfig config = loaded.config();
        assertThat(config.transport()).isEqualTo("inmemory");
        assertThat(config.name()).isEqualTo("twelvefold");
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.channels()).containsOnlyKeys("jedi-commands", "orders");
        ChannelConfig orders = config.channels().get("orders");
        assertThat(orders.destination()).isEmpty();
        assertThat(orders.group()).isEmpty();
        assertThat(orders.deadLetterDestination()).isEmpty();
        assertThat(orders.concurrency()).isEqualTo(8);
        assertThat(orders.maxInFlight()).isEqualTo(256);
        assertThat(orders.maxAttempts()).isEqualTo(5);
        assertThat(orders.backoff().initial()).isEqualTo(Duration.ofMillis(100));
        assertThat(orders.backoff().max()).isEqualTo(Duration.ofSeconds(30));
        assertThat(orders.backoff().multiplier()).isEqualTo(2.0);
        assertThat(orders.backoff().jitter()).isEqualTo(0.2);
        assertThat(orders.maxPayloadSize()).isEqualTo(1_048_576);
        assertThat(orders.processingTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(orders.retry().brokerDelayFrom()).isEmpty();
        assertThat(loaded.provider()).isSameAs(INMEMORY);
        assertThat(loaded.transportProperties()).isEmpty();
    }

    @Test
    @DisplayName("a channel's dead-letter destination: <destination>.dlq by default, none for a destination ending with .dlq or for 'none', else as set")
    void deadLetterDestination() {
        LoadedConfig loaded = load(Map.of(
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_DESTINATION", "jedi.commands.dlq",
                "TWELVEFOLD_CHANNELS_ORDERS_DEAD_LETTER_DESTINATION", "none"));
        ChannelSettings jedi = ChannelSettings.of("jedi-commands", loaded.config().channels().get("jedi-commands"),
                "app", Map.of());
        ChannelSettings orders = ChannelSettings.of("orders", loaded.config().channels().get("orders"), "app",
                Map.of());
        assertThat(jedi.deadLetterDestination()).isNull();
        assertThat(jedi.subscriptionRequest().deadLetters()).isFalse();
        assertThat(orders.deadLetterDestination()).isNull();
        assertThat(orders.deadLetterDescription()).isEqualTo("none (terminal)");
        assertThat(orders.subscriptionRequest().deadLetters()).isFalse();

        ChannelSettings byDefault = ChannelSettings.of("orders", load(Map.of()).config().channels().get("orders"),
                "app", Map.of());
        assertThat(byDefault.deadLetterDestination()).isEqualTo("orders.dlq");
        assertThat(byDefault.subscriptionRequest().deadLetters()).isTrue();
        assertThat(byDefault.subscriptionRequest().brokerRetries()).isNull();
        assertThat(ChannelSettings.deadLetterDestination("orders.dlq", "orders.dlq.audit")).isEqualTo("orders.dlq.audit");
        assertThat(ChannelSettings.deadLetterDestination("orders", " NONE ")).isNull();
    }

    @Test
    void readsEnvironmentVariablesOfMultiWordChannels() {
        LoadedConfig loaded = load(Map.of(
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS", "3",
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_DESTINATION", "jedi.commands.v1",
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_DEAD_LETTER_DESTINATION", "jedi.graveyard",
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_INITIAL", "250ms",
                "TWELVEFOLD_CHANNELS_ORDERS_MAX_IN_FLIGHT", "64",
                "TWELVEFOLD_NAME", "jedi-council"));

        ChannelConfig jedi = loaded.config().channels().get("jedi-commands");
        assertThat(jedi.maxAttempts()).isEqualTo(3);
        assertThat(jedi.destination()).contains("jedi.commands.v1");
        assertThat(jedi.deadLetterDestination()).contains("jedi.graveyard");
        assertThat(jedi.backoff().initial()).isEqualTo(Duration.ofMillis(250));
        assertThat(jedi.maxInFlight()).isEqualTo(256);
        assertThat(loaded.config().channels().get("orders").maxInFlight()).isEqualTo(64);
        assertThat(loaded.config().name()).isEqualTo("jedi-council");
    }

    @Test
    void prefersCodeOverridesToSystemPropertiesToTheEnvironment() {
        LoadedConfig loaded = ConfigLoader.load(
                Map.of("TWELVEFOLD_NAME", "from-env", "TWELVEFOLD_SHUTDOWN_TIMEOUT", "5s",
                        "TWELVEFOLD_CHANNELS_ORDERS_CONCURRENCY", "2"),
                Map.of("twelvefold.name", "from-system", "twelvefold.shutdown-timeout", "6s"),
                Map.of("twelvefold.name", "from-code"),
                CHANNELS, PROVIDERS);

        assertThat(loaded.config().name()).isEqualTo("from-code");
        assertThat(loaded.config().shutdownTimeout()).isEqualTo(Duration.ofSeconds(6));
        assertThat(loaded.config().channels().get("orders").concurrency()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({"500ms, PT0.5S", "30s, PT30S", "2m, PT2M", "1h, PT1H", "1d, PT24H", "PT45S, PT45S"})
    void acceptsShortDurations(String value, String expected) {
        LoadedConfig loaded = load(Map.of("TWELVEFOLD_SHUTDOWN_TIMEOUT", value,
                "TWELVEFOLD_CHANNELS_ORDERS_PROCESSING_TIMEOUT", value));

        assertThat(loaded.config().shutdownTimeout()).isEqualTo(Duration.parse(expected));
        assertThat(loaded.config().channels().get("orders").processingTimeout()).isEqualTo(Duration.parse(expected));
    }

    @Test
    void reportsEveryBadValueTogether() {
        ConfigurationException e = failure(Map.ofEntries(
                Map.entry("TWELVEFOLD_NAME", " "),
                Map.entry("TWELVEFOLD_SHUTDOWN_TIMEOUT", "-5s"),
                Map.entry("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_CONCURRENCY", "16"),
                Map.entry("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_IN_FLIGHT", "4"),
                Map.entry("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS", "0"),
                Map.entry("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_MAX", "50ms"),
                Map.entry("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_MULTIPLIER", "0.5"),
                Map.entry("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_JITTER", "1.5"),
                Map.entry("TWELVEFOLD_CHANNELS_ORDERS_CONCURRENCY", "abc"),
                Map.entry("TWELVEFOLD_CHANNELS_ORDERS_BACKOFF_INITIAL", "0s"),
                Map.entry("TWELVEFOLD_CHANNELS_ORDERS_BACKOFF_MULTIPLIER", "fast"),
                Map.entry("TWELVEFOLD_CHANNELS_ORDERS_MAX_PAYLOAD_SIZE", "99999999999"),
                Map.entry("TWELVEFOLD_CHANNELS_ORDERS_PROCESSING_TIMEOUT", "soon")));

        assertThat(e.problems()).containsExactly(
                "twelvefold.name (TWELVEFOLD_NAME) must not be blank, was ' '",
                "twelvefold.shutdown-timeout (TWELVEFOLD_SHUTDOWN_TIMEOUT) must be a positive duration like '30s', was '-5s'",
                "twelvefold.channels.jedi-commands.max-in-flight (TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_IN_FLIGHT)"
                        + " must be at least twelvefold.channels.jedi-commands.concurrency (16), was '4'",
                "twelvefold.channels.jedi-commands.max-attempts (TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS)"
                        + " must be an integer of at least 1, was '0'",
                "twelvefold.channels.jedi-commands.backoff.max (TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_MAX)"
                        + " must be at least twelvefold.channels.jedi-commands.backoff.initial (100ms), was '50ms'",
                "twelvefold.channels.jedi-commands.backoff.multiplier (TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_MULTIPLIER)"
                        + " must be a number of at least 1 like '2.0', was '0.5'",
                "twelvefold.channels.jedi-commands.backoff.jitter (TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_JITTER)"
                        + " must be a number between 0 and 1 like '0.2', was '1.5'",
                "twelvefold.channels.orders.concurrency (TWELVEFOLD_CHANNELS_ORDERS_CONCURRENCY)"
                        + " must be an integer of at least 1, was 'abc'",
                "twelvefold.channels.orders.backoff.initial (TWELVEFOLD_CHANNELS_ORDERS_BACKOFF_INITIAL)"
                        + " must be a positive duration like '100ms', was '0s'",
                "twelvefold.channels.orders.backoff.multiplier (TWELVEFOLD_CHANNELS_ORDERS_BACKOFF_MULTIPLIER)"
                        + " must be a number of at least 1 like '2.0', was 'fast'",
                "twelvefold.channels.orders.max-payload-size (TWELVEFOLD_CHANNELS_ORDERS_MAX_PAYLOAD_SIZE)"
                        + " must be an integer of at least 1, was '99999999999'",
                "twelvefold.channels.orders.processing-timeout (TWELVEFOLD_CHANNELS_ORDERS_PROCESSING_TIMEOUT)"
                        + " must be a positive duration like '30s', was 'soon'");
        assertThat(e).hasMessageStartingWith("Configuration is invalid (12 problems):");
    }

    @Test
    void readsTheBrokerRetryThreshold() {
        LoadedConfig loaded = load(Map.of(
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_RETRY_BROKER_DELAY_FROM", "10s",
                "TWELVEFOLD_CHANNELS_ORDERS_RETRY_BROKER_DELAY_FROM", ""));

        assertThat(loaded.config().channels().get("jedi-commands").retry().brokerDelayFrom())
                .contains(Duration.ofSeconds(10));
        assertThat(loaded.config().channels().get("orders").retry().brokerDelayFrom()).as("empty: not set").isEmpty();
    }

    @Test
    void rejectsABrokerRetryThresholdThatIsNotAPositiveDurationOrThatNoBackoffReaches() {
        ConfigurationException e = failure(Map.of(
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_RETRY_BROKER_DELAY_FROM", "-1s",
                "TWELVEFOLD_CHANNELS_ORDERS_RETRY_BROKER_DELAY_FROM", "1m"));

        assertThat(e.problems()).containsExactly(
                "twelvefold.channels.jedi-commands.retry.broker-delay-from"
                        + " (TWELVEFOLD_CHANNELS_JEDI_COMMANDS_RETRY_BROKER_DELAY_FROM)"
                        + " must be a positive duration like '10s', was '-1s'",
                "twelvefold.channels.orders.retry.broker-delay-from (TWELVEFOLD_CHANNELS_ORDERS_RETRY_BROKER_DELAY_FROM)"
                        + " must be at most twelvefold.channels.orders.backoff.max (30s), was '1m'");
    }

    @Test
    void readsInlineBelowWithItsDefaultAndRejectsANegativeOne() {
        LoadedConfig loaded = load(Map.of("TWELVEFOLD_CHANNELS_ORDERS_INLINE_BELOW", "0"));
        assertThat(loaded.config().channels().get("orders").inlineBelow()).as("0: never").isZero();
        assertThat(loaded.config().channels().get("jedi-commands").inlineBelow()).isEqualTo(Duration.ofNanos(200_000));

        ConfigurationException e = failure(Map.of("TWELVEFOLD_CHANNELS_ORDERS_INLINE_BELOW", "-1ms",
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_INLINE_BELOW", "2m"));
        assertThat(e.problems()).containsExactlyInAnyOrder("twelvefold.channels.orders.inline-below"
                + " (TWELVEFOLD_CHANNELS_ORDERS_INLINE_BELOW) must be a duration from 0 to 1m like '200us' (0 for never),"
                + " was '-1ms'", "twelvefold.channels.jedi-commands.inline-below"
                + " (TWELVEFOLD_CHANNELS_JEDI_COMMANDS_INLINE_BELOW) must be a duration from 0 to 1m like '200us'"
                + " (0 for never), was '2m'");
    }

    @Test
    void rejectsAnUnknownEnvironmentVariableSuggestingTheNearestName() {
        ConfigurationException e = failure(Map.of(
                "TWELVEFOLD_TRANSPRT", "fake",
                "TWELVEFOLD_CHANNELS_ORDERS_MAX_ATEMPTS", "3",
                "TWELVEFOLD_FAKE_BOOTSTRAP_SERVER", "broker:9092",
                "TWELVEFOLD_FAKE_CLIENT_LINGER_MS", "5",
                "TWELVEFOLD_INMEMORY_NOTHING", "x",
                "PATH", "/usr/bin"));

        assertThat(e.problems()).containsExactly(
                "Environment variable 'TWELVEFOLD_CHANNELS_ORDERS_MAX_ATEMPTS' is not a Twelvefold setting;"
                        + " did you mean 'TWELVEFOLD_CHANNELS_ORDERS_MAX_ATTEMPTS'?",
                "Environment variable 'TWELVEFOLD_FAKE_BOOTSTRAP_SERVER' is not a Twelvefold setting;"
                        + " did you mean 'TWELVEFOLD_FAKE_BOOTSTRAP_SERVERS'?",
                "Environment variable 'TWELVEFOLD_INMEMORY_NOTHING' is not a Twelvefold setting",
                "Environment variable 'TWELVEFOLD_TRANSPRT' is not a Twelvefold setting;"
                        + " did you mean 'TWELVEFOLD_TRANSPORT'?");
    }

    @Test
    void rejectsUnknownKeysFromSystemPropertiesAndCode() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(Map.of(),
                Map.of("twelvefold.shutdown-timout", "5s", "java.version", "17", "twelvefold.fake.client.acks", "1"),
                Map.of("twelvefold.chanels.orders.concurrency", "2", "other.key", "x"),
                CHANNELS, PROVIDERS));

        assertThat(e.problems()).containsExactly(
                "System property 'twelvefold.shutdown-timout' is not a Twelvefold setting;"
                        + " did you mean 'twelvefold.shutdown-timeout'?",
                "Property 'other.key' set in code is not a Twelvefold setting",
                "Property 'twelvefold.chanels.orders.concurrency' set in code is not a Twelvefold setting;"
                        + " did you mean 'twelvefold.channels.orders.concurrency'?");
    }

    @Test
    void namesTheDeclaredChannelsWhenAVariableSetsAnotherOne() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of("TWELVEFOLD_CHANNELS_FOO_CONCURRENCY", "abc",
                        "TWELVEFOLD_CHANNELS_SITH_ORDERS_BACKOFF_MAX", "1s"),
                Map.of(),
                Map.of("twelvefold.channels.foo.max-in-flight", "3"),
                CHANNELS, PROVIDERS));

        assertThat(e.problems()).containsExactly(
                "Environment variable 'TWELVEFOLD_CHANNELS_FOO_CONCURRENCY' sets channel 'foo',"
                        + " which is not declared in code. Declared channels: [jedi-commands, orders]",
                "Environment variable 'TWELVEFOLD_CHANNELS_SITH_ORDERS_BACKOFF_MAX' sets channel 'sith-orders',"
                        + " which is not declared in code. Declared channels: [jedi-commands, orders]",
                "Property 'twelvefold.channels.foo.max-in-flight' set in code sets channel 'foo',"
                        + " which is not declared in code. Declared channels: [jedi-commands, orders]");
    }

    @Test
    void saysSoWhenNoChannelIsDeclared() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of("TWELVEFOLD_CHANNELS_FOO_GROUP", "g"), Map.of(), Map.of(), Set.of(), PROVIDERS));

        assertThat(e.problems()).containsExactly("Environment variable 'TWELVEFOLD_CHANNELS_FOO_GROUP' sets channel"
                + " 'foo', which is not declared in code. Declared channels: none");
    }

    @Test
    void rejectsATransportThatIsNotAvailable() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of("TWELVEFOLD_TRANSPORT", "kafak"), Map.of(), Map.of(), CHANNELS,
                List.of(new FakeProvider("kafka"), INMEMORY)));

        assertThat(e.problems()).containsExactly(
                "Transport 'kafak' is not available (twelvefold.transport / TWELVEFOLD_TRANSPORT). Available: [inmemory, kafka]");
        assertThat(e).hasMessage("Configuration is invalid: Transport 'kafak' is not available"
                + " (twelvefold.transport / TWELVEFOLD_TRANSPORT). Available: [inmemory, kafka]");
    }

    @Test
    void saysWhichModuleToAddWhenNoTransportIsAvailable() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of(), Map.of(), Map.of(), CHANNELS, List.of()));

        assertThat(e.problems()).containsExactly(
                "Transport 'inmemory' is not available (twelvefold.transport / TWELVEFOLD_TRANSPORT)."
                        + " Available: none; add a transport module such as twelvefold-transport-inmemory to the classpath");
    }

    @Test
    void rejectsTwoProvidersWithTheSameName() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of(), Map.of(), Map.of(), CHANNELS, List.of(INMEMORY, new FakeProvider("inmemory"))));

        assertThat(e.problems()).containsExactly("Transport 'inmemory' is provided by more than one module: ["
                + FakeProvider.class.getName() + ", " + FakeProvider.class.getName()
                + "]; keep only one of them on the classpath");
    }

    @Test
    void rejectsChannelNamesThatNoEnvironmentVariableCanExpress() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of(), Map.of(), Map.of(), Set.of("Jedi_Commands"), PROVIDERS));

        assertThat(e.problems()).containsExactly("Channel 'Jedi_Commands' is not a valid channel name;"
                + " use lowercase letters, digits and dashes like 'jedi-commands'");
    }

    @Test
    void rejectsChannelsWhoseKeysShareAnEnvironmentVariable() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of(), Map.of(), Map.of(), Set.of("orders", "orders-dead-letter"), PROVIDERS));

        assertThat(e.problems()).containsExactly("Keys 'twelvefold.channels.orders.dead-letter-destination' and"
                + " 'twelvefold.channels.orders-dead-letter.destination' both read environment variable"
                + " 'TWELVEFOLD_CHANNELS_ORDERS_DEAD_LETTER_DESTINATION'; rename a channel so that they differ");
    }

    @Test
    void passesTheTransportPropertiesWithoutPrefixAndWithDefaults() {
        LoadedConfig loaded = ConfigLoader.load(
                Map.of("TWELVEFOLD_TRANSPORT", "fake",
                        "TWELVEFOLD_FAKE_BOOTSTRAP_SERVERS", "broker:9092",
                        "TWELVEFOLD_FAKE_CLIENT_MAX_POLL_RECORDS", "10",
                        "TWELVEFOLD_FAKE_POLL_TIMEOUT", "",
                        "TWELVEFOLD_INMEMORY_CAPACITY_IGNORED", "1"),
                Map.of("twelvefold.fake.client.linger.ms", "5"),
                Map.of("twelvefold.fake.acks", "1"),
                CHANNELS, List.of(FAKE, new FakeProvider("inmemory",
                        new ConfigKey("capacity.*", "int", null, false, "Ignored here."))));

        assertThat(loaded.provider()).isSameAs(FAKE);
        assertThat(loaded.config().transport()).isEqualTo("fake");
        assertThat(loaded.transportProperties()).containsExactly(
                Map.entry("acks", "1"),
                Map.entry("bootstrap-servers", "broker:9092"),
                Map.entry("client.linger.ms", "5"),
                Map.entry("client.max.poll.records", "10"),
                Map.entry("poll-timeout", "1s"));
    }

    @Test
    void neverShowsASecretValue() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of("TWELVEFOLD_TRANSPORT", "fake",
                        "TWELVEFOLD_FAKE_CREDENTIALS", "declared-secret-1",
                        "TWELVEFOLD_FAKE_SASL_PASSWORD", "named-secret-2",
                        "TWELVEFOLD_FAKE_SASL_PASWORD", "typo-secret-3",
                        "TWELVEFOLD_OTHER_SASL_JAAS_CONFIG", "jaas-secret-4",
                        "TWELVEFOLD_NAME", "named-secret-2",
                        "TWELVEFOLD_CHANNELS_TOKEN_EVENTS_CONCURRENCY", "token-secret-5"),
                Map.of("twelvefold.fake.client.secret", "client-secret-6"),
                Map.of("twelvefold.fake.api-token", "token-secret-7", "twelvefold.channels.orders.concurrency", "named-secret-2"),
                Set.of("orders", "token-events"), PROVIDERS));

        assertThat(e.problems()).containsExactly(
                // a value that is also a secret's is scrubbed wherever it shows
                "twelvefold.channels.orders.concurrency (TWELVEFOLD_CHANNELS_ORDERS_CONCURRENCY)"
                        + " must be an integer of at least 1, was '<redacted>'",
                // the key looks secret by its name, so its value is never shown
                "twelvefold.channels.token-events.concurrency (TWELVEFOLD_CHANNELS_TOKEN_EVENTS_CONCURRENCY)"
                        + " must be an integer of at least 1, was '<redacted>'",
                "Environment variable 'TWELVEFOLD_FAKE_SASL_PASWORD' is not a Twelvefold setting;"
                        + " did you mean 'TWELVEFOLD_FAKE_SASL_PASSWORD'?",
                "Environment variable 'TWELVEFOLD_OTHER_SASL_JAAS_CONFIG' is not a Twelvefold setting",
                "Property 'twelvefold.fake.api-token' set in code is not a Twelvefold setting");
        assertThat(e.getMessage()).doesNotContain("secret-");
    }

    @Test
    void readsTheRealSystemPropertiesThroughThePublicEntryPoint() {
        LoadedConfig loaded = ConfigLoader.load(Map.of("TWELVEFOLD_NAME", "public"), Map.of(), CHANNELS, PROVIDERS);

        assertThat(loaded.config().name()).isEqualTo("public");
        assertThat(loaded.config().channels()).containsOnlyKeys(CHANNELS);
    }

    @Test
    void listsEverySettingOfEveryProvider() {
        List<Setting> settings = ConfigLoader.settings(Set.of("orders"), PROVIDERS);

        assertThat(settings).extracting(Setting::envVar).contains("TWELVEFOLD_TRANSPORT",
                "TWELVEFOLD_CHANNELS_ORDERS_MAX_ATTEMPTS", "TWELVEFOLD_FAKE_BOOTSTRAP_SERVERS", "TWELVEFOLD_FAKE_CLIENT_*");
        assertThat(settings).filteredOn(Setting::secret).extracting(Setting::key)
                .containsExactly("twelvefold.fake.credentials", "twelvefold.fake.sasl-password");
        assertThat(settings).extracting(Setting::key).doesNotHaveDuplicates();
        assertThat(Optional.of(settings.get(0).key())).contains("twelvefold.transport");
    }

    private static LoadedConfig load(Map<String, String> environment) {
        return ConfigLoader.load(environment, Map.of(), Map.of(), CHANNELS, PROVIDERS);
    }

    private static ConfigurationException failure(Map<String, String> environment) {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> load(environment));
        assertThat(e).as("a ConfigurationException").isNotNull();
        return e;
    }

    @Test
    void readsTheNewChannelAndProcessKeys() {
        LoadedConfig loaded = load(Map.of("TWELVEFOLD_CHANNELS_ORDERS_FORMAT", "PLAIN",
                "TWELVEFOLD_CHANNELS_ORDERS_TYPE", "com.example.order", "TWELVEFOLD_CHANNELS_ORDERS_SOURCE", "/shop",
                "TWELVEFOLD_START_TIMEOUT", "0", "TWELVEFOLD_METRICS_JVM", "false"));

        ChannelConfig orders = loaded.config().channels().get("orders");
        assertThat(orders.format()).isEqualTo("plain");
        assertThat(orders.type()).contains("com.example.order");
        assertThat(orders.source()).contains("/shop");
        assertThat(loaded.config().channels().get("jedi-commands").format()).isEqualTo("cloudevents");
        assertThat(loaded.config().startTimeout()).isZero();
        assertThat(loaded.config().metrics().jvm()).isFalse();
    }

    @Test
    void reportsBadValuesOfTheNewKeys() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
                () -> load(Map.of("TWELVEFOLD_CHANNELS_ORDERS_FORMAT", "json", "TWELVEFOLD_START_TIMEOUT", "-1s",
                        "TWELVEFOLD_METRICS_JVM", "yes")));

        assertThat(e.problems()).containsExactly(
                "twelvefold.start-timeout (TWELVEFOLD_START_TIMEOUT) must be a duration like '60s' (0 for none), was '-1s'",
                "twelvefold.metrics.jvm (TWELVEFOLD_METRICS_JVM) must be 'true' or 'false', was 'yes'",
                "twelvefold.channels.orders.format (TWELVEFOLD_CHANNELS_ORDERS_FORMAT) must be one of cloudevents, plain,"
                        + " was 'json'");
    }

    @Test
    void handsEachChannelItsTransportOptionsWithDefaults() {
        TransportProvider rabbit = new FakeProvider("rabbit", List.of(), List.of(
                new ConfigKey("queue", "string", null, false, "An existing queue."),
                new ConfigKey("declare", "boolean", "true", false, "Whether to declare.")), context -> { });
        LoadedConfig loaded = ConfigLoader.load(Map.of("TWELVEFOLD_TRANSPORT", "rabbit",
                "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_RABBIT_QUEUE", "legacy-jedi"), Map.of(),
                Map.of("twelvefold.channels.orders.rabbit.declare", "false"), CHANNELS, List.of(rabbit));

        assertThat(loaded.channelOptions()).containsOnlyKeys("jedi-commands", "orders");
        assertThat(loaded.channelOptions().get("jedi-commands")).containsOnly(Map.entry("queue", "legacy-jedi"),
                Map.entry("declare", "true"));
        assertThat(loaded.channelOptions().get("orders")).containsOnly(Map.entry("declare", "false"));
    }

    @Test
    void reportsTheTransportsOwnProblemsWithTheOthersInOneMessage() {
        TransportProvider strict = new FakeProvider("strict", List.of(
                new ConfigKey("prefetch", "int", "10", false, "How many.")), List.of(), context -> {
                    throw new ConfigurationException(List.of("twelvefold.strict.prefetch (TWELVEFOLD_STRICT_PREFETCH) "
                            + "must be at most 65535, was '" + context.properties().get("prefetch") + "'"));
                });
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of("TWELVEFOLD_TRANSPORT", "strict", "TWELVEFOLD_STRICT_PREFETCH", "70000",
                        "TWELVEFOLD_SHUTDOWN_TIMEOUT", "soon"), Map.of(), Map.of(), CHANNELS, List.of(strict)));

        assertThat(e.problems()).containsExactly(
                "twelvefold.shutdown-timeout (TWELVEFOLD_SHUTDOWN_TIMEOUT) must be a positive duration like '30s', was 'soon'",
                "twelvefold.strict.prefetch (TWELVEFOLD_STRICT_PREFETCH) must be at most 65535, was '70000'");
    }

    @Test
    void ignoresTheSettingsOfAShippedTransportThatIsNotOnTheClasspath() {
        LoadedConfig loaded = ConfigLoader.load(Map.of("TWELVEFOLD_RABBITMQ_URI", "amqp://guest:guest@broker",
                "TWELVEFOLD_CHANNELS_ORDERS_KAFKA_TOPIC", "x"), Map.of(), Map.of("twelvefold.kafka.acks", "all"),
                CHANNELS, List.of(INMEMORY));

        assertThat(loaded.provider()).isSameAs(INMEMORY);
    }

    @Test
    void stillReportsAnUnknownSettingOfATransportThatIsThere() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> ConfigLoader.load(
                Map.of("TWELVEFOLD_INMEMORY_PARTITIONZ", "3"), Map.of(), Map.of(), CHANNELS, List.of(INMEMORY)));

        assertThat(e.problems()).containsExactly(
                "Environment variable 'TWELVEFOLD_INMEMORY_PARTITIONZ' is not a Twelvefold setting");
    }

}
