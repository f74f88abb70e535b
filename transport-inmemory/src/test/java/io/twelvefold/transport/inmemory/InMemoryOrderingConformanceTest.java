package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.OrderingConformanceTest;

/** The conformance kit's ordering scenarios against the in-memory transport. */
class InMemoryOrderingConformanceTest extends OrderingConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new InMemoryTransportProvider();
    }
}
