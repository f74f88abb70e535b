package io.twelvefold.transport.rabbitmq;

import static org.junit.jupiter.api.Assertions.fail;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The broker the tests use (docs/architecture.md, test brokers): {@code TWELVEFOLD_RABBITMQ_URI} when set, else
 * {@code amqp://localhost:5672} when it answers, else the tests are skipped with a loud message;
 * with {@code CI=true} a missing broker fails them instead. Also remembers every exchange and queue
 * the tests' transports declare, and deletes them.
 */
final class RabbitMqBroker {
    private static final String LOCAL = "amqp://localhost:5672";
    private static final Set<String> EXCHANGES = ConcurrentHashMap.newKeySet();
    private static final Set<String> QUEUES = ConcurrentHashMap.newKeySet();
    private static volatile String uri;

    /** Records what the transports of a test provider declare. */
    static final RabbitMqTransportProvider.Declarations DECLARATIONS = new RabbitMqTransportProvider.Declarations() {
        @Override
        public void exchange(String name) {
            EXCHANGES.add(name);
        }

        @Override
        public void queue(String name) {
            QUEUES.add(name);
        }
    };

    private RabbitMqBroker() {
    }

    /** @return a provider whose declarations are deleted by {@link #deleteDeclared()} */
    static RabbitMqTransportProvider provider() {
        return new RabbitMqTransportProvider(DECLARATIONS);
    }

    /** @return the broker URI; skips (or, under CI=true, fails) the test when there is none */
    static String uri() {
        if (uri != null) {
            return uri;
        }
        String configured = System.getenv("TWELVEFOLD_RABBITMQ_URI");
        if (configured != null && !configured.isBlank()) {
            uri = configured.strip();
            return uri;
        }
        if (answers("localhost", 5672)) {
            uri = LOCAL;
            return uri;
        }
        String message = "\n*** No RabbitMQ: TWELVEFOLD_RABBITMQ_URI is not set and nothing answers on localhost:5672."
                + "\n*** Start one (rabbitmq-server -detached) or set TWELVEFOLD_RABBITMQ_URI; the RabbitMQ tests are "
                + "SKIPPED.\n";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true and no RabbitMQ is reachable: " + message);
        }
        System.err.println(message);
        Assumptions.abort(message);
        return null;
    }

    /** @return the kit configuration: the broker URI */
    static Map<String, String> config(String... more) {
        Map<String, String> config = new java.util.LinkedHashMap<>();
        config.put("twelvefold.rabbitmq.uri", uri());
        for (int i = 0; i + 1 < more.length; i += 2) {
            config.put("twelvefold.rabbitmq." + more[i], more[i + 1]);
        }
        return config;
    }

    private static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A plain client connection to the test broker, for what the tests do behind the transport's back. */
    static Connection connect() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URI.create(uri()));
        f.setAutomaticRecoveryEnabled(false);
        return f.newConnection("twelvefold-test-admin");
    }

    /** Whether an exchange or a queue of that name exists. */
    static boolean exists(String name) throws Exception {
        return exists(false, name) || exists(true, name);
    }

    /**
     * Whether a queue (or an exchange) of that name exists: a passive declaration on a channel of
     * its own (a 404 closes the channel); another refusal fails the test.
     */
    static boolean exists(boolean queue, String name) throws Exception {
        try (Connection connection = connect()) {
            Channel c = connection.createChannel();
            try {
                if (queue) {
                    c.queueDeclarePassive(name);
                } else {
                    c.exchangeDeclarePassive(name);
                }
                c.close();
                return true;
            } catch (IOException e) {
                if (!String.valueOf(e.getCause()).contains("404")) {
                    throw e;
                }
                return false;
            }
        }
    }

    /** {@link #exists} for {@code TransportConformanceKit.exists}: a failure to ask fails the test. */
    static java.util.Optional<Boolean> kitExists(String name) {
        try {
            return java.util.Optional.of(exists(name));
        } catch (Exception e) {
            throw new IllegalStateException("RabbitMQ could not be asked whether '" + name + "' exists: " + e, e);
        }
    }

    /** Deletes every queue and exchange the test transports declared so far. */
    static void deleteDeclared() throws Exception {
        if (uri == null || (QUEUES.isEmpty() && EXCHANGES.isEmpty())) {
            return;
        }
        try (Connection connection = connect()) {
            for (String queue : new ArrayList<>(QUEUES)) {
                try (Channel c = connection.createChannel()) {
                    c.queueDelete(queue);
                } catch (IOException e) {
                    // gone already
                }
                QUEUES.remove(queue);
            }
            for (String exchange : new ArrayList<>(EXCHANGES)) {
                try (Channel c = connection.createChannel()) {
                    c.exchangeDelete(exchange);
                } catch (IOException e) {
                    // gone already
                }
                EXCHANGES.remove(exchange);
            }
        }
    }

    /**
     * Runs {@code rabbitmqctl} with arguments, when this machine has it and the broker is local.
     *
     * @return whether it ran and succeeded
     */
    static boolean rabbitmqctl(String... args) throws Exception {
        return rabbitmqctlOutput(args) != null;
    }

    /**
     * Runs {@code rabbitmqctl} with arguments, when this machine has it and the broker is local.
     *
     * @return what it printed, or null when it did not run or failed
     */
    static String rabbitmqctlOutput(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("rabbitmqctl");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0
                    ? new String(out, java.nio.charset.StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A builder for an app on the test broker, with channel options (the conformance kit's apps
     * cannot take them): isolated from the process environment, a 30 s shutdown timeout.
     *
     * @param name {@code twelvefold.name}
     * @param more further settings, key and value in turn
     * @return a new builder, never null
     */
    static io.twelvefold.core.App.Builder app(String name, String... more) {
        io.twelvefold.core.App.Builder builder = io.twelvefold.core.App.builder()
                .transportProvider(provider())
                .environment(Map.of())
                .config("twelvefold.transport", "rabbitmq")
                .config("twelvefold.name", name)
                .config("twelvefold.shutdown-timeout", "30s")
                .config("twelvefold.rabbitmq.uri", uri());
        for (int i = 0; i + 1 < more.length; i += 2) {
            builder.config(more[i], more[i + 1]);
        }
        return builder;
    }
}
