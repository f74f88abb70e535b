package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InMemoryTransportProviderTest {

    static TransportContext context(Map<String, String> properties) {
        return () -> properties;
    }

    @Test
    @DisplayName("ServiceLoader finds the provider under the name 'inmemory'")
    void foundByServiceLoader() {
        List<TransportProvider> providers = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        assertThat(providers).hasSize(1);
        assertThat(providers.get(0)).isInstanceOf(InMemoryTransportProvider.class);
        assertThat(providers.get(0).name()).isEqualTo("inmemory");
    }

    @Test
    @DisplayName("declares the partitions and broker keys with their defaults")
    void configKeys() {
        assertThat(new InMemoryTransportProvider().configKeys())
                .extracting(ConfigKey::name, ConfigKey::type, ConfigKey::defaultValue, ConfigKey::secret)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("partitions", "int", "4", false),
                        org.assertj.core.groups.Tuple.tuple("broker", "string", "default", false));
    }

    @Test
    @DisplayName("declares every capability but durability")
    void capabilities() {
        try (Transport transport = new InMemoryTransportProvider().create(context(Map.of()))) {
            assertThat(transport.capabilities()).containsExactlyInAnyOrder(
                    Capability.ORDERED_BY_KEY, Capability.COMPETING_CONSUMERS, Capability.FAN_OUT,
                    Capability.REDELIVERY, Capability.PAUSE_RESUME, Capability.DELAYED_REDELIVERY,
                    Capability.INLINE_PROCESSING);
            assertThat(transport.connected()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1025", "-3", "four", "", "2.5"})
    @DisplayName("rejects partitions that are not an integer from 1 to 1024")
    void invalidPartitions(String value) {
        assertThatThrownBy(() -> new InMemoryTransportProvider().create(context(Map.of("partitions", value))))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Configuration is invalid: twelvefold.inmemory.partitions (TWELVEFOLD_INMEMORY_PARTITIONS)"
                        + " must be an integer from 1 to 1024, was '" + value + "'");
    }

    @Test
    @DisplayName("reports every configuration problem at once")
    void everyProblem() {
        assertThatThrownBy(() -> new InMemoryTransportProvider().create(context(Map.of("partitions", "x", "broker", " "))))
                .isInstanceOf(ConfigurationException.class)
                .extracting(e -> ((ConfigurationException) e).problems())
                .isEqualTo(List.of(
                        "twelvefold.inmemory.partitions (TWELVEFOLD_INMEMORY_PARTITIONS) must be an integer from 1 to 1024, was 'x'",
                        "twelvefold.inmemory.broker (TWELVEFOLD_INMEMORY_BROKER) must not be blank, was ' '"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1024", " 8 "})
    @DisplayName("accepts partitions from 1 to 1024")
    void validPartitions(String value) {
        try (Transport transport = new InMemoryTransportProvider()
                .create(context(Map.of("partitions", value, "broker", "provider-test")))) {
            assertThat(transport).isNotNull();
        }
    }

    @Test
    @DisplayName("a bad transport value is reported with the core's problems, before anything starts")
    void transportProblemsComeWithTheOthers() {
        assertThatThrownBy(() -> io.twelvefold.core.App.builder().environment(Map.of(
                        "TWELVEFOLD_INMEMORY_PARTITIONS", "0", "TWELVEFOLD_SHUTDOWN_TIMEOUT", "soon",
                        "TWELVEFOLD_CHANNELS_IN_CONCURRENCY", "x"))
                .output("in").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Configuration is invalid (3 problems):")
                .hasMessageContaining("twelvefold.inmemory.partitions (TWELVEFOLD_INMEMORY_PARTITIONS) must be an"
                        + " integer from 1 to 1024, was '0'");
    }

}
