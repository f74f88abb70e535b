package io.twelvefold.transport.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * The Kafka cluster of the tests: {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS} when it is set,
 * otherwise one single-node KRaft broker started in this JVM on the first call (from the
 * {@code kafka_2.13} artifact, test scope), listening on 127.0.0.1 only (PLAINTEXT, and
 * SASL_PLAINTEXT for the credential tests), stopped and deleted when the JVM exits.
 */
final class EmbeddedKafka {
    private static final String ENV = "TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS";
    /** The user and password the SASL listener of the embedded broker accepts (PLAIN). */
    static final String SASL_USER = "app";
    static final String SASL_PASSWORD = "app-secret";
    private static volatile String bootstrapServers;
    private static volatile String saslBootstrapServers;
    private static long startMillis = -1;

    private EmbeddedKafka() {
    }

    /** @return host:port of the test cluster, starting the embedded broker on first use */
    static String bootstrapServers() {
        String servers = bootstrapServers;
        if (servers == null) {
            synchronized (EmbeddedKafka.class) {
                servers = bootstrapServers;
                if (servers == null) {
                    String external = System.getenv(ENV);
                    servers = external != null && !external.isBlank() ? external.strip() : start();
                    bootstrapServers = servers;
                }
            }
        }
        return servers;
    }

    /**
     * @return host:port of the embedded broker's SASL_PLAINTEXT listener (mechanism PLAIN, user
     *     {@value #SASL_USER}), or null when the tests use an external cluster
     */
    static String saslBootstrapServers() {
        bootstrapServers();
        return saslBootstrapServers;
    }

    /** @return how long the embedded broker took to format and start, -1 when none was started */
    static long startMillis() {
        return startMillis;
    }

    /** The settings every test transport uses: the cluster, 4-partition topics, quick group timing. */
    static Map<String, String> config() {
        return Map.of(
                "twelvefold.kafka.bootstrap-servers", bootstrapServers(),
                "twelvefold.kafka.topic-partitions", "4",
                "twelvefold.kafka.topic-replication-factor", "1",
                "twelvefold.kafka.client.session.timeout.ms", "6000",
                "twelvefold.kafka.client.heartbeat.interval.ms", "300");
    }

    /** {@link #config()} as a transport sees it: without the {@code twelvefold.kafka.} prefix. */
    static Map<String, String> transportProperties() {
        Map<String, String> properties = new java.util.LinkedHashMap<>();
        config().forEach((k, v) -> properties.put(k.substring("twelvefold.kafka.".length()), v));
        return properties;
    }

    private static String start() {
        long t0 = System.nanoTime();
        Broker broker = Broker.create();
        broker.start();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "embedded-kafka-stop"));
        startMillis = (System.nanoTime() - t0) / 1_000_000;
        saslBootstrapServers = broker.saslBootstrapServers();
        System.out.println("Embedded Kafka broker on " + broker.bootstrapServers() + " (SASL_PLAINTEXT on "
                + broker.saslBootstrapServers() + ") started in " + startMillis + " ms");
        return broker.bootstrapServers();
    }

    /**
     * A single-node KRaft broker in this JVM, on ports of its own, that a test can stop and start
     * again (the same ports, the same data): for tests of a cluster that goes away.
     */
    static final class Broker implements AutoCloseable {
        private final Path dir;
        private final Properties properties;
        private final int brokerPort;
        private final int saslPort;
        private KafkaRaftServer server;

        private Broker(Path dir, Properties properties, int brokerPort, int saslPort) {
            this.dir = dir;
            this.properties = properties;
            this.brokerPort = brokerPort;
            this.saslPort = saslPort;
        }

        /** Formats the storage of a new broker, not started. */
        static Broker create() {
            try {
                Path dir = Files.createTempDirectory("twelvefold-kafka-");
                int brokerPort = freePort();
                int controllerPort = freePort();
                int saslPort = freePort();
                Properties p = properties(dir, brokerPort, controllerPort, saslPort);
                Path file = dir.resolve("server.properties");
                try (var out = Files.newBufferedWriter(file)) {
                    p.store(out, "twelvefold test broker");
                }
                int rc = kafka.tools.StorageTool$.MODULE$.execute(new String[] {"format", "-t",
                        Uuid.randomUuid().toString(), "-c", file.toString(), "--standalone"},
                        new PrintStream(PrintStream.nullOutputStream()));
                if (rc != 0) {
                    throw new IllegalStateException("Formatting the embedded Kafka storage failed with " + rc);
                }
                return new Broker(dir, p, brokerPort, saslPort);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String bootstrapServers() {
            return "127.0.0.1:" + brokerPort;
        }

        String saslBootstrapServers() {
            return "127.0.0.1:" + saslPort;
        }

        /** Starts the broker (again); returns once it serves requests. */
        synchronized void start() {
            if (server == null) {
                server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
                server.startup();
            }
        }

        /** Stops the broker, keeping its data. */
        synchronized void stop() {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
                server = null;
            }
        }

        @Override
        public void close() {
            stop();
            delete(dir);
        }

        private static Properties properties(Path dir, int brokerPort, int controllerPort, int saslPort) {
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort
                    + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT");
            // a SASL listener for the tests of refused credentials
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
                            + "password=\"admin-secret\" user_admin=\"admin-secret\" user_" + SASL_USER + "=\""
                            + SASL_PASSWORD + "\";");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", dir.resolve("data").toString());
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "2");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.num.partitions", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("group.consumer.heartbeat.interval.ms", "100");
            p.put("group.consumer.min.heartbeat.interval.ms", "100");
            // topics come from the transport (create-topics), which the tests thereby check
            p.put("auto.create.topics.enable", "false");
            p.put("num.partitions", "1");
            return p;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temp dir
        }
    }
}
