package io.twelvefold.transport.inmemory;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.DeliveryConformanceTest;

/** The conformance kit's delivery scenarios against the in-memory transport. */
class InMemoryDeliveryConformanceTest extends DeliveryConformanceTest {
    @Override
    protected TransportProvider provider() {
        return new InMemoryTransportProvider();
    }
}
