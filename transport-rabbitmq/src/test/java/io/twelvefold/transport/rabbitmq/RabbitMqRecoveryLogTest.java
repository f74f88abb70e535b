package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.RepeatedTest;
import org.slf4j.event.Level;

/**
 * A connection cut by the broker is told in two lines, every time: one WARN when it is lost, one
 * INFO when it is back, with the counts of what was in flight; nothing else at WARN or above.
 */
class RabbitMqRecoveryLogTest {
    private static final String WATCH = ConnectionWatch.class.getName();

    @BeforeAll
    static void broker() throws Exception {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    /**
     * Closes, from the broker's side and at the same time, every connection whose client-provided
     * name starts with the prefix, as a broker restart or a network cut does.
     */
    private static int closeConnections(String prefix) throws Exception {
        String listed = RabbitMqBroker.rabbitmqctlOutput("-q", "list_connections", "pid", "client_properties");
        assertThat(listed).as("rabbitmqctl list_connections").isNotNull();
        List<Process> closing = new ArrayList<>();
        for (String line : listed.lines().toList()) {
            if (line.contains("{\"connection_name\",\"" + prefix)) {
                closing.add(new ProcessBuilder("rabbitmqctl", "close_connection", line.substring(0, line.indexOf('\t')),
                        "twelvefold test: connection cut").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
        }
        for (Process p : closing) {
            assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("rabbitmqctl close_connection").isTrue();
        }
        return closing.size();
    }

    @RepeatedTest(3)
    @DisplayName("Both connections cut by the broker: one WARN with what was in flight, one INFO once both are back, no ERROR, no stack trace")
    void cutIsToldInTwoLines() throws Exception {
        assumeTrue(RabbitMqBroker.rabbitmqctl("-q", "status"), "needs rabbitmqctl for the broker (a local RabbitMQ)");
        String name = "recovery-log-" + UUID.randomUUID().toString().substring(0, 8);
        String destination = name;
        try (Transport transport = RabbitMqBroker.provider().create(new TestContext(Map.of("uri", RabbitMqBroker.uri(),
                "connection-name", name, "recovery-interval", "1s")))) {
            List<IncomingMessage> held = new CopyOnWriteArrayList<>();
            // a handler that holds what it gets: the deliveries are unacknowledged when the cut comes
            Subscription subscription = transport.subscribe(new SubscriptionRequest(destination, "g", 10), held::add);
            try (Publisher publisher = transport.publisher(PublisherRequest.of(destination))) {
                for (int i = 0; i < 3; i++) {
                    publisher.send(new OutgoingMessage("k" + i, Map.of("id", name + "-" + i, "source", "/test",
                            "type", "test", "specversion", "1.0"), Map.of(), new byte[] {'1'}))
                            .get(10, TimeUnit.SECONDS);
                }
            }
            await("the deliveries").atMost(Duration.ofSeconds(10)).until(() -> held.size() == 3);
            long mark = CapturedLogs.mark();

            assertThat(closeConnections(name)).as("connections closed").isEqualTo(2);
            await("the transport to recover").atMost(Duration.ofSeconds(30)).until(() ->
                    CapturedLogs.since(mark).stream().anyMatch(e -> e.logger().equals(WATCH) && e.level() == Level.INFO));
            await("the consumer back").atMost(Duration.ofSeconds(10)).until(transport::connected);

            List<CapturedLogs.Event> events = CapturedLogs.since(mark);
            List<String> fromWatch = events.stream().filter(e -> e.logger().equals(WATCH))
                    .map(e -> e.level() + " " + e.message()).toList();
            assertThat(fromWatch).as("lines of the connection watch").hasSize(2);
            assertThat(fromWatch.get(0)).matches("WARN RabbitMQ connection lost \\((publishing|consuming) connection '"
                    + name + "-(publish|consume)': 320 CONNECTION_FORCED - twelvefold test: connection cut\\); in "
                    + "flight: 0 send\\(s\\) not yet confirmed, 3 delivery\\(ies\\) not yet acknowledged; reconnecting "
                    + "every 1s");
            assertThat(fromWatch.get(1)).matches("INFO RabbitMQ connection recovered after \\d+ ms: 0 send\\(s\\) "
                    + "published again, 3 delivery\\(ies\\) left to the broker to deliver again");
            assertThat(events).as("other lines at WARN or above, or with a stack trace")
                    .filteredOn(e -> !e.logger().equals(WATCH) && (e.level().compareTo(Level.WARN) <= 0
                            || e.thrown() != null))
                    .isEmpty();
            // the voided deliveries come again, and nothing was lost
            await("the redeliveries").atMost(Duration.ofSeconds(10)).until(() -> held.size() == 6);
            held.subList(3, 6).forEach(IncomingMessage::ack);
            subscription.close();
        }
    }
}
