package io.twelvefold.transport.rabbitmq;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.TransportConformanceKit;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The conformance kit against a real RabbitMQ, on classic queues whose members compete ({@code ordering=none}). */
class RabbitMqConformanceTest extends TransportConformanceKit {
    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    @Override
    protected TransportProvider provider() {
        return RabbitMqBroker.provider();
    }

    @Override
    protected Map<String, String> config() {
        return RabbitMqBroker.config();
    }

    /** An exchange or a queue, by passive declarations. */
    @Override
    protected Optional<Boolean> exists(String name) {
        return RabbitMqBroker.kitExists(name);
    }

    /** The broker pushes at most the prefetch (the channel's max-in-flight): nothing beyond the bound. */
    @Override
    protected int inFlightSlack(int maxInFlight) {
        return 0;
    }
}
