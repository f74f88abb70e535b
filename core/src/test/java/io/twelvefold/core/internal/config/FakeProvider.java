package io.twelvefold.core.internal.config;

import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;

/** A transport provider that only has a name and configuration keys. */
final class FakeProvider implements TransportProvider {
    private final String name;
    private final List<ConfigKey> keys;

    FakeProvider(String name, ConfigKey... keys) {
        this.name = name;
        this.keys = List.of(keys);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<ConfigKey> configKeys() {
        return keys;
    }

    @Override
    public Transport create(TransportContext context) {
        throw new UnsupportedOperationException("configuration tests never create a transport");
    }
}
