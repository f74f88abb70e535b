package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code create} when the broker does not answer, or not as the settings expect: within seconds, one
 * line naming the setting and the cause, no Kafka client created (so none of their log lines) and
 * no thread left behind.
 */
class KafkaStartFailureTest {
    private static final String SERVERS = "twelvefold.kafka.bootstrap-servers (TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS)";
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    @DisplayName("A closed port: refused, at once, without creating a client or a thread")
    void refused() throws Exception {
        int port = freeLoopbackPort();
        Set<String> before = kafkaThreads();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> create(Map.of("bootstrap-servers", "127.0.0.1:" + port)))
                .isExactlyInstanceOf(TransportException.class)
                .hasMessage("No Kafka broker answered at " + SERVERS + ", was '127.0.0.1:" + port + "': 127.0.0.1:"
                        + port + " refused the connection; check the address and that the broker runs")
                .hasCauseInstanceOf(ConnectException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(kafkaThreads()).as("threads of Kafka clients or of the transport").isSubsetOf(before);
    }

    @Test
    @DisplayName("A silent port (accepts, never answers): timed out after connect-timeout, not 'null'")
    void silentPort() throws Exception {
        ServerSocket silent = closeLater(new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        List<Socket> accepted = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (!silent.isClosed()) {
                    accepted.add(silent.accept());
                }
            } catch (IOException e) {
                // closed
            }
        }, "silent-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        int port = silent.getLocalPort();
        Set<String> before = kafkaThreads();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> create(Map.of("bootstrap-servers", "127.0.0.1:" + port, "connect-timeout", "1s")))
                .isExactlyInstanceOf(TransportException.class)
                .hasMessage("No Kafka broker answered at " + SERVERS + ", was '127.0.0.1:" + port + "': 127.0.0.1:"
                        + port + " accepted the connection but did not answer within 1s; check that the address is a "
                        + "Kafka listener and that the broker is not overloaded")
                .hasCauseInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        assertThat(kafkaThreads()).isSubsetOf(before);
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    @DisplayName("An unknown host, and every address's cause when none answers")
    void unknownHostAndSeveralAddresses() throws Exception {
        int port = freeLoopbackPort();
        assertThatThrownBy(() -> create(Map.of("bootstrap-servers", "kafka-nowhere.invalid:9092, 127.0.0.1:" + port)))
                .isExactlyInstanceOf(TransportException.class)
                .hasMessage("No Kafka broker answered at " + SERVERS + ", was 'kafka-nowhere.invalid:9092, 127.0.0.1:"
                        + port + "': kafka-nowhere.invalid:9092 is an unknown host, 127.0.0.1:" + port + " refused the "
                        + "connection; check the host name")
                .hasCauseInstanceOf(UnknownHostException.class);
    }

    @Test
    @DisplayName("A server that is not a Kafka broker (an HTTP server, say)")
    void notKafka() throws Exception {
        ServerSocket http = closeLater(new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        Thread server = new Thread(() -> {
            try (Socket s = http.accept()) {
                s.getInputStream().read(new byte[64]);
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(UTF_8));
                out.flush();
            } catch (IOException e) {
                // closed
            }
        }, "http-stub");
        server.setDaemon(true);
        server.start();
        int port = http.getLocalPort();
        assertThatThrownBy(() -> create(Map.of("bootstrap-servers", "127.0.0.1:" + port)))
                .isExactlyInstanceOf(TransportException.class)
                .hasMessage("No Kafka broker answered at " + SERVERS + ", was '127.0.0.1:" + port + "': 127.0.0.1:"
                        + port + " answered, but not like a Kafka broker; check that the port is a Kafka PLAINTEXT "
                        + "listener, as twelvefold.kafka.security-protocol (TWELVEFOLD_KAFKA_SECURITY_PROTOCOL) says");
    }

    @Test
    @DisplayName("The first address refuses, the next one is the broker: the transport starts")
    void anyAddressWillDo() throws Exception {
        int port = freeLoopbackPort();
        Map<String, String> p = new LinkedHashMap<>(EmbeddedKafka.transportProperties());
        p.put("bootstrap-servers", "127.0.0.1:" + port + "," + EmbeddedKafka.bootstrapServers());
        Transport transport = closeLater(new KafkaTransportProvider().create(new TestContext(p)));
        await().atMost(Duration.ofSeconds(60)).until(transport::connected);
    }

    @Test
    @DisplayName("SASL credentials refused: a ConfigurationException naming the credential settings, not retried, no thread left")
    void saslRefused() {
        String sasl = EmbeddedKafka.saslBootstrapServers();
        assumeThat(sasl).as("the embedded broker's SASL listener (not with an external cluster)").isNotNull();
        String clientId = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> p = sasl(sasl, "wrong-password");
        p.put("client-id", clientId);
        assertThatThrownBy(() -> create(p))
                .isExactlyInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Configuration is invalid: twelvefold.kafka.sasl-jaas-config "
                        + "(TWELVEFOLD_KAFKA_SASL_JAAS_CONFIG) was refused by the Kafka broker at '" + sasl + "' (")
                .hasMessageEndingWith("), was '<redacted>'; check the user name and password, and "
                        + "twelvefold.kafka.sasl-mechanism (TWELVEFOLD_KAFKA_SASL_MECHANISM), was 'PLAIN'")
                .hasMessageNotContaining("wrong-password");
        await("the admin client of the check to stop").atMost(Duration.ofSeconds(30))
                .until(() -> kafkaThreads().stream().noneMatch(t -> t.contains(clientId)));
    }

    @Test
    @DisplayName("SASL credentials accepted: the transport starts and publishes over SASL_PLAINTEXT")
    void saslAccepted() throws Exception {
        String sasl = EmbeddedKafka.saslBootstrapServers();
        assumeThat(sasl).as("the embedded broker's SASL listener (not with an external cluster)").isNotNull();
        Map<String, String> p = sasl(sasl, EmbeddedKafka.SASL_PASSWORD);
        p.put("topic-partitions", "1");
        p.put("topic-replication-factor", "1");
        Transport transport = closeLater(new KafkaTransportProvider().create(new TestContext(p)));
        var publisher = closeLater(transport.publisher(PublisherRequest.of("kafka-sasl-" + UUID.randomUUID())));
        publisher.send(new OutgoingMessage("k", Map.of("datacontenttype", "text/plain"), Map.of(),
                "hi".getBytes(UTF_8))).get(60, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("PLAINTEXT against a SASL listener: a ConfigurationException naming security-protocol")
    void plaintextAgainstSasl() {
        String sasl = EmbeddedKafka.saslBootstrapServers();
        assumeThat(sasl).as("the embedded broker's SASL listener (not with an external cluster)").isNotNull();
        assertThatThrownBy(() -> create(Map.of("bootstrap-servers", sasl)))
                .isExactlyInstanceOf(ConfigurationException.class)
                .hasMessage("Configuration is invalid: twelvefold.kafka.security-protocol "
                        + "(TWELVEFOLD_KAFKA_SECURITY_PROTOCOL) does not match the Kafka listener at '" + sasl
                        + "', which closed the connection at a request without authentication, was 'PLAINTEXT'; the "
                        + "listener seems to want SASL: set it to SASL_PLAINTEXT (or SASL_SSL) and set "
                        + "twelvefold.kafka.sasl-jaas-config (TWELVEFOLD_KAFKA_SASL_JAAS_CONFIG)");
    }

    // ---------------------------------------------------------------------------------------------

    private static Map<String, String> sasl(String servers, String password) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap-servers", servers);
        p.put("security-protocol", "SASL_PLAINTEXT");
        p.put("sasl-mechanism", "PLAIN");
        p.put("sasl-jaas-config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + EmbeddedKafka.SASL_USER + "\" password=\"" + password + "\";");
        return p;
    }

    private static void create(Map<String, String> properties) {
        new KafkaTransportProvider().create(new TestContext(properties)).close();
    }

    /** A port nothing listens on (it was free a moment ago). */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The names of the live threads of Kafka clients and of the transport. */
    private static Set<String> kafkaThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("kafka-") || n.startsWith("twelvefold-kafka"))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }
}
