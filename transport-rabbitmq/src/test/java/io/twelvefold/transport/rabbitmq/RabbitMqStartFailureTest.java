package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * A transport that cannot start fails within seconds, quietly (no log line, no stack trace), with
 * one line naming the setting to check, and leaves no connection or thread behind.
 */
class RabbitMqStartFailureTest {
    private static final String CHECK = "; check twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) and that the broker runs";
    private static final String TIMEOUT_KEY =
            "twelvefold.rabbitmq.connection-timeout (TWELVEFOLD_RABBITMQ_CONNECTION_TIMEOUT)";

    private Set<Thread> threadsBefore;
    private long logMark;

    @BeforeEach
    void mark() {
        threadsBefore = Thread.getAllStackTraces().keySet();
        logMark = CapturedLogs.mark();
    }

    /** Nothing logged at WARN or above, and the client's threads and ours gone. */
    @AfterEach
    void quietAndNothingLeft() {
        List<CapturedLogs.Event> loud = new ArrayList<>();
        for (CapturedLogs.Event e : CapturedLogs.since(logMark)) {
            if (e.level().compareTo(Level.WARN) <= 0) {
                loud.add(e);
            }
        }
        assertThat(loud).as("WARN and ERROR lines while the transport failed to start").isEmpty();
        await("the connections' threads and the transport's to end").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(newThreads()).as("threads left behind").isEmpty());
    }

    private List<String> newThreads() {
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (t.isAlive() && !threadsBefore.contains(t) && (name.startsWith("AMQP Connection")
                    || (name.startsWith("twelvefold-rabbitmq-") && !name.equals("twelvefold-rabbitmq-warm-up")))) {
                left.add(name);
            }
        }
        return left;
    }

    private static RuntimeException create(String uri, String... more) {
        Map<String, String> properties = new HashMap<>(Map.of("uri", uri, "connection-timeout", "1s"));
        for (int i = 0; i + 1 < more.length; i += 2) {
            properties.put(more[i], more[i + 1]);
        }
        long t0 = System.nanoTime();
        try {
            new RabbitMqTransportProvider().create(new TestContext(properties)).close();
            throw new AssertionError("the transport started");
        } catch (TransportException | ConfigurationException e) {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("time to fail, with connection-timeout 1s")
                    .isLessThan(Duration.ofSeconds(8));
            return e;
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    @DisplayName("A refused connection is a TransportException naming the URI without its password")
    void refused() throws Exception {
        int port = closedPort();
        assertThat(create("amqp://app:s3cret@127.0.0.1:" + port))
                .isInstanceOf(TransportException.class)
                .hasMessage("RabbitMQ at 'amqp://app:<redacted>@127.0.0.1:" + port + "' is not reachable: "
                        + "connection refused" + CHECK);
    }

    @Test
    @DisplayName("A port that accepts and never answers fails after connection-timeout, not 'null'")
    void silentPort() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        Socket s = silent.accept();
                        synchronized (accepted) {
                            accepted.add(s);
                        }
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-port");
            acceptor.setDaemon(true);
            acceptor.start();
            int port = silent.getLocalPort();
            assertThat(create("amqp://127.0.0.1:" + port))
                    .isInstanceOf(TransportException.class)
                    .hasMessage("RabbitMQ at 'amqp://127.0.0.1:" + port + "' is not reachable: connected, but no AMQP "
                            + "handshake within 1s (" + TIMEOUT_KEY + "); is it a RabbitMQ AMQP port?" + CHECK);
        } finally {
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    @Test
    @DisplayName("An unknown host is named")
    void unknownHost() {
        assertThat(create("amqp://no-such-host.invalid:5672"))
                .isInstanceOf(TransportException.class)
                .hasMessage("RabbitMQ at 'amqp://no-such-host.invalid:5672' is not reachable: unknown host "
                        + "'no-such-host.invalid'" + CHECK);
    }

    @Test
    @DisplayName("Refused credentials are a ConfigurationException (not retried) naming the user, never the password")
    void wrongPassword() {
        URI broker = URI.create(RabbitMqBroker.uri());
        String uri = "amqp://guest:not-the-password@" + broker.getHost() + ":" + broker.getPort();
        assertThatThrownBy(() -> {
            throw create(uri);
        }).isInstanceOf(ConfigurationException.class)
                .hasMessage("Configuration is invalid: User 'guest' of twelvefold.rabbitmq.uri (TWELVEFOLD_RABBITMQ_URI) "
                        + "was refused by RabbitMQ (ACCESS_REFUSED - Login was refused using authentication mechanism "
                        + "PLAIN. For details see the broker logfile.), was 'amqp://guest:<redacted>@" + broker.getHost()
                        + ":" + broker.getPort() + "'; set the user name and password of a RabbitMQ user")
                .message().doesNotContain("not-the-password");
    }

    @Test
    @DisplayName("A virtual host the user may not open is a ConfigurationException naming it and the setting")
    void virtualHostNotAllowed() {
        URI broker = URI.create(RabbitMqBroker.uri());
        String uri = "amqp://guest:guest@" + broker.getHost() + ":" + broker.getPort();
        assertThatThrownBy(() -> {
            throw create(uri, "virtual-host", "twelvefold-no-such-vhost");
        }).isInstanceOf(ConfigurationException.class)
                .hasMessage("Configuration is invalid: Virtual host 'twelvefold-no-such-vhost' is not open to user 'guest' "
                        + "on RabbitMQ (530 NOT_ALLOWED - vhost twelvefold-no-such-vhost not found), was "
                        + "'amqp://guest:<redacted>@" + broker.getHost() + ":" + broker.getPort() + "'; create it or "
                        + "grant the user access to it, or set twelvefold.rabbitmq.virtual-host "
                        + "(TWELVEFOLD_RABBITMQ_VIRTUAL_HOST)");
    }
}
