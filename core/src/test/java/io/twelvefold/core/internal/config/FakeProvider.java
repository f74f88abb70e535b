package io.twelvefold.core.internal.config;

import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.util.List;
import java.util.function.Consumer;

/** A transport provider that only has a name, configuration keys and, optionally, a validation. */
final class FakeProvider implements TransportProvider {
    private final String name;
    private final List<ConfigKey> keys;
    private final List<ConfigKey> channelKeys;
    private final Consumer<TransportContext> validation;

    FakeProvider(String name, ConfigKey... keys) {
        this(name, List.of(keys), List.of(), context -> { });
    }

    FakeProvider(String name, List<ConfigKey> keys, List<ConfigKey> channelKeys, Consumer<TransportContext> validation) {
        this.name = name;
        this.keys = List.copyOf(keys);
        this.channelKeys = List.copyOf(channelKeys);
        this.validation = validation;
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
    public List<ConfigKey> channelConfigKeys() {
        return channelKeys;
    }

    @Override
    public void validate(TransportContext context) {
        validation.accept(context);
    }

    @Override
    public Transport create(TransportContext context) {
        throw new UnsupportedOperationException("configuration tests never create a transport");
    }
}
