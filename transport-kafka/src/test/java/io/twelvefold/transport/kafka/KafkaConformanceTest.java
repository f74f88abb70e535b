package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.TransportConformanceKit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/** The conformance kit against Kafka, with the classic consumer group protocol. */
class KafkaConformanceTest extends TransportConformanceKit {
    @Override
    protected TransportProvider provider() {
        return new KafkaTransportProvider();
    }

    @Override
    protected Map<String, String> config() {
        return EmbeddedKafka.config();
    }

    /** A topic, as the admin client lists it. */
    @Override
    protected Optional<Boolean> exists(String name) {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            return Optional.of(admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(name));
        } catch (Exception e) {
            throw new IllegalStateException("Kafka could not list its topics: " + e, e);
        }
    }

    /** None: records are handed over one at a time and delivery stops the moment the runtime pauses. */
    @Override
    protected int inFlightSlack(int maxInFlight) {
        return 0;
    }
}
