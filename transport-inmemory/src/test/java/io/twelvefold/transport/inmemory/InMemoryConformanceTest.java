package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.TransportConformanceKit;

/** The conformance kit against the in-memory transport. */
class InMemoryConformanceTest extends TransportConformanceKit {
    @Override
    protected TransportProvider provider() {
        return new InMemoryTransportProvider();
    }
}
