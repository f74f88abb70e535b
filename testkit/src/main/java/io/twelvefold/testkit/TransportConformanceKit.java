package io.twelvefold.testkit;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * The transport conformance kit: every scenario of the delivery contract, in {@code @Nested}
 * groups, that a transport runs by subclassing this class once per configuration it supports.
 *
 * <pre>{@code
 * class KafkaConformanceTest extends TransportConformanceKit {
 *     @Override protected TransportProvider provider() { return new KafkaTransportProvider(); }
 *     @Override protected Map<String, String> config() {
 *         return Map.of("twelvefold.kafka.bootstrap-servers", EmbeddedKafka.bootstrapServers());
 *     }
 * }
 * }</pre>
 *
 * <p>JUnit runs every group for every subclass: {@code Delivery}, {@code Failures},
 * {@code FlowControl}, {@code Ordering} and {@code Formats}. A transport with several
 * configurations that change how it delivers (a consumer group protocol, a queue type) writes one
 * subclass for each, with its own {@link #config()}. A scenario that needs a
 * {@link io.twelvefold.core.spi.Capability} the transport does not declare is reported as
 * skipped, never passed.
 *
 * <p>A subclass supplies {@link #provider()} and, when the transport needs settings,
 * {@link #config()}; it may tune {@link #timeout()} and {@link #inFlightSlack(int)}. It may add
 * tests of its own with the {@linkplain TransportFixture fixtures}; the groups do not see them:
 * each scenario runs on a fixture of its own, made from these methods. See the
 * {@linkplain io.twelvefold.testkit package documentation} for what the kit expects of a transport.
 */
public abstract class TransportConformanceKit extends TransportFixture {

    /** Creates the kit; a transport module subclasses it. */
    protected TransportConformanceKit() {
    }

    /**
     * How many messages beyond {@code max-in-flight} one subscription may have delivered and
     * unacknowledged: the messages already on their way when the runtime pauses it (a client's
     * prefetch buffer or poll batch). Override it with the transport's documented slack.
     *
     * @param maxInFlight the channel's {@code max-in-flight}
     * @return the slack, {@code maxInFlight} by default (in-flight stays below twice the bound)
     */
    protected int inFlightSlack(int maxInFlight) {
        return maxInFlight;
    }

    /**
     * Whether the broker has an object of that name: a destination (a topic, an exchange) or, on a
     * broker with queues, a queue. The kit asks it to show that no dead letter of a dead letter is
     * ever created ({@code <destination>.dlq.dlq}). Override it with the broker's own admin API.
     *
     * @param name the object's name, never null
     * @return whether it exists, or empty when the subclass cannot tell (the check is skipped,
     *     visibly); empty by default
     */
    protected Optional<Boolean> exists(String name) {
        return Optional.empty();
    }

    @Nested
    @DisplayName("Delivery: the envelope survives the trip, every group gets every event, members share them, closing loses none")
    class Delivery extends DeliveryScenarios {
        Delivery() {
            super(TransportConformanceKit.this);
        }
    }

    @Nested
    @DisplayName("Failures: retries back off, exhausted and poison messages are dead-lettered with their headers")
    class Failures extends FailureScenarios {
        Failures() {
            super(TransportConformanceKit.this);
        }
    }

    @Nested
    @DisplayName("Flow control: a slow processor pauses the consumer, in-flight work stays bounded")
    class FlowControl extends FlowControlScenarios {
        FlowControl() {
            super(TransportConformanceKit.this);
        }
    }

    @Nested
    @DisplayName("Ordering: a key's events are processed one at a time and in order, keys concurrently")
    class Ordering extends OrderingScenarios {
        Ordering() {
            super(TransportConformanceKit.this);
        }
    }

    @Nested
    @DisplayName("Dead letters: a browse leaves the dead-letter destination as it was, a removal removes one, a dead letter is terminal")
    class DeadLetters extends DeadLetterScenarios {
        DeadLetters() {
            super(TransportConformanceKit.this);
        }
    }

    @Nested
    @DisplayName("Formats: plain messages in and out, structured CloudEvents in, anything else dead-lettered as invalid")
    class Formats extends FormatScenarios {
        Formats() {
            super(TransportConformanceKit.this);
        }
    }
}
