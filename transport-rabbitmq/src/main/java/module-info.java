/**
 * The RabbitMQ transport. Exports nothing; it is found through {@link java.util.ServiceLoader} as a
 * {@link io.twelvefold.core.spi.TransportProvider}.
 */
module io.twelvefold.transport.rabbitmq {
    requires io.twelvefold.core;
    requires org.slf4j;
    requires com.rabbitmq.client;

    provides io.twelvefold.core.spi.TransportProvider
            with io.twelvefold.transport.rabbitmq.RabbitMqTransportProvider;
}
