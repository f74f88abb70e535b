package io.twelvefold.core.spi;

import java.util.Map;

/**
 * What the runtime gives a transport provider to validate and create a transport. The SPI grows
 * by adding methods here.
 */
public interface TransportContext {

    /**
     * The configuration under {@code twelvefold.<name>.}, with that prefix removed
     * ({@code bootstrap-servers} for {@code twelvefold.kafka.bootstrap-servers}), from every
     * source: environment variables, system properties and the application's own map; defaults
     * of {@link TransportProvider#configKeys()} filled in.
     *
     * @return an immutable map, never null
     */
    Map<String, String> properties();

    /**
     * The channel settings of this transport, by channel: each declared channel's keys under
     * {@code twelvefold.channels.<channel>.<name>.}, with that prefix removed (see
     * {@link TransportProvider#channelConfigKeys()}); defaults filled in. The same maps come with
     * each {@link SubscriptionRequest} and {@link PublisherRequest}; they are here so that
     * {@link TransportProvider#validate} can check them before anything starts.
     *
     * @return an immutable map with an entry for every declared channel, never null
     */
    default Map<String, Map<String, String>> channelOptions() {
        return Map.of();
    }
}
