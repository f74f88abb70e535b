/**
 * The in-memory transport: a broker inside the JVM. Exports nothing; it is found through
 * {@link java.util.ServiceLoader} as a {@link io.twelvefold.core.spi.TransportProvider}.
 */
module io.twelvefold.transport.inmemory {
    requires io.twelvefold.core;
    requires org.slf4j;

    provides io.twelvefold.core.spi.TransportProvider
            with io.twelvefold.transport.inmemory.InMemoryTransportProvider;
}
