package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.FlowControlConformanceTest;

/** The conformance kit's flow-control scenarios against the in-memory transport. */
class InMemoryFlowControlConformanceTest extends FlowControlConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new InMemoryTransportProvider();
    }
}
