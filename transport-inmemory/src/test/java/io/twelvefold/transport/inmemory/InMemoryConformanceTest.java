package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.TransportConformanceKit;
import java.util.Optional;

/** The conformance kit against the in-memory transport. */
class InMemoryConformanceTest extends TransportConformanceKit {
    @Override
    protected TransportProvider provider() {
        return new InMemoryTransportProvider();
    }

    /** A destination of the default broker, which every app of the kit uses. */
    @Override
    protected Optional<Boolean> exists(String name) {
        return Optional.of(InMemoryBroker.named("default").existing(name) != null);
    }
}
