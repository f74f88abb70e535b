/**
 * The Kafka transport. Exports nothing; it is found through {@link java.util.ServiceLoader} as a
 * {@link io.twelvefold.core.spi.TransportProvider}.
 */
module io.twelvefold.transport.kafka {
    requires io.twelvefold.core;
    requires org.slf4j;
    // kafka-clients 4.4 has no module name of its own: this is the one derived from its file name
    requires kafka.clients;

    provides io.twelvefold.core.spi.TransportProvider
            with io.twelvefold.transport.kafka.KafkaTransportProvider;
}
