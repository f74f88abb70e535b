package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A cluster that goes away while the transport runs, on a broker of the test's own: one WARN when
 * it becomes unreachable, one INFO when it is back, the clients' own lines bounded meanwhile, and
 * delivery going on afterwards.
 */
class KafkaReconnectTest {
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    /**
     * Lines the clients and the transport may write during the outage (the clients log at WARN here):
     * about 20 with a producer, a consumer and the admin client backing off up to 10 s.
     */
    private static final int MAX_OUTAGE_LINES = 60;

    @Test
    @DisplayName("The broker stops for 20 s and starts again: one WARN, one INFO, bounded client logs, delivery resumes")
    void brokerGoesAwayAndComesBack() throws Exception {
        try (EmbeddedKafka.Broker broker = EmbeddedKafka.Broker.create()) {
            broker.start();
            Map<String, String> p = new LinkedHashMap<>();
            p.put("bootstrap-servers", broker.bootstrapServers());
            p.put("topic-partitions", "1");
            p.put("topic-replication-factor", "1");
            String topic = "kafka-reconnect";
            List<IncomingMessage> received = new CopyOnWriteArrayList<>();
            try (Transport transport = new KafkaTransportProvider().create(new TestContext(p));
                    var subscription = transport.subscribe(new SubscriptionRequest(topic, "g", 10), m -> {
                        received.add(m);
                        m.ack();
                    });
                    Publisher publisher = transport.publisher(PublisherRequest.of(topic))) {
                send(publisher, "before");
                await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == 1);

                List<String> lines;
                try (Capture capture = Capture.stderr()) {
                    broker.stop();
                    await("the transport to see the cluster gone").atMost(Duration.ofSeconds(30))
                            .until(() -> !transport.connected());
                    await("the outage to last").pollDelay(OUTAGE).atMost(OUTAGE.plusSeconds(5))
                            .until(() -> !transport.connected());
                    List<String> outage = capture.lines();
                    broker.start();
                    await("the transport to see the cluster back").atMost(Duration.ofSeconds(60))
                            .until(transport::connected);
                    send(publisher, "after");
                    await().atMost(Duration.ofSeconds(60)).until(() -> received.size() == 2);
                    lines = capture.lines();
                    assertThat(relevant(outage)).as("client and transport lines during the outage:\n%s",
                            String.join("\n", relevant(outage))).hasSizeLessThan(MAX_OUTAGE_LINES);
                }
                assertThat(lines.stream().filter(l -> l.contains("is unreachable"))).as("WARN lines").hasSize(1);
                assertThat(lines.stream().filter(l -> l.contains("Connected to the Kafka cluster at '"
                        + broker.bootstrapServers() + "' again"))).as("INFO lines").hasSize(1);
                assertThat(new String(received.get(1).payload(), UTF_8)).isEqualTo("after");
            }
        }
    }

    /** The lines of Kafka's clients and of the transport, not the embedded broker's own. */
    private static List<String> relevant(List<String> lines) {
        return lines.stream().filter(l -> l.contains("clientId=") || l.contains("io.twelvefold")).toList();
    }

    private static void send(Publisher publisher, String text) throws Exception {
        publisher.send(new OutgoingMessage("k", Map.of("datacontenttype", "text/plain"), Map.of(),
                text.getBytes(UTF_8))).get(120, TimeUnit.SECONDS);
    }

    /** What is written to standard error (where SLF4J's simple logger writes) while it is open, passed on too. */
    private static final class Capture implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        static Capture stderr() {
            Capture c = new Capture();
            System.setErr(new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    c.original.write(b);
                    synchronized (c.copy) {
                        c.copy.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    c.original.write(b, off, len);
                    synchronized (c.copy) {
                        c.copy.write(b, off, len);
                    }
                }
            }, true, UTF_8));
            return c;
        }

        List<String> lines() {
            synchronized (copy) {
                return copy.toString(UTF_8).lines().toList();
            }
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
