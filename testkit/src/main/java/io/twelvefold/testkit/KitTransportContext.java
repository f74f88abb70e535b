package io.twelvefold.testkit;

import io.twelvefold.core.spi.TransportContext;
import java.util.Map;

/** The context the kit creates its own transports with (to send raw messages and read dead letters). */
record KitTransportContext(Map<String, String> properties) implements TransportContext {
    KitTransportContext {
        properties = Map.copyOf(properties);
    }
}
