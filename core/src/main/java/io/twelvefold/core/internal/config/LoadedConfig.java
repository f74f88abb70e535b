package io.twelvefold.core.internal.config;

import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.spi.TransportProvider;
import java.util.Map;
import java.util.Objects;

/**
 * The result of {@link ConfigLoader#load}: a valid configuration and the transport it selects.
 * Immutable.
 *
 * @param config the core configuration; {@code channels()} has an entry for every declared channel
 * @param provider the provider named by {@code twelvefold.transport}
 * @param transportProperties every key under {@code twelvefold.<transport>.} with the prefix
 *     removed, from all sources, with the provider's defaults filled in; sorted by key
 * @param channelOptions by declared channel, its keys under {@code twelvefold.channels.<channel>.<transport>.}
 *     with the prefix removed and the provider's defaults filled in
 * @param extensionProperties by extension name, its keys under {@code twelvefold.<name>.} with the prefix
 *     removed and its defaults filled in
 */
public record LoadedConfig(TwelvefoldConfig config, TransportProvider provider, Map<String, String> transportProperties,
        Map<String, Map<String, String>> channelOptions, Map<String, Map<String, String>> extensionProperties) {

    /** Validates the components. */
    public LoadedConfig {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(transportProperties, "transportProperties");
        Objects.requireNonNull(channelOptions, "channelOptions");
        Objects.requireNonNull(extensionProperties, "extensionProperties");
    }
}
