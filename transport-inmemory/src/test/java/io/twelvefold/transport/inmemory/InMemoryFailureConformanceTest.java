package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.FailureConformanceTest;

/** The conformance kit's failure scenarios against the in-memory transport. */
class InMemoryFailureConformanceTest extends FailureConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new InMemoryTransportProvider();
    }
}
