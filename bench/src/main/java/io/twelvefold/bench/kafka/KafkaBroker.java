package io.twelvefold.bench.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * The Kafka cluster of the benchmarks: {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS} when it is set,
 * otherwise a single-node KRaft broker started in this JVM from the {@code kafka_2.13} artifact
 * (the settings of the Kafka transport's test broker: listeners on 127.0.0.1 on free ports,
 * replication factors 1, {@code group.initial.rebalance.delay.ms=0}, KIP-848 heartbeats every
 * 100 ms), with its data in a temporary directory deleted by {@link #close()}.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final String ENV = "TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS";

    private final String bootstrapServers;
    private final KafkaRaftServer server;
    private final Path dir;

    private KafkaBroker(String bootstrapServers, KafkaRaftServer server, Path dir) {
        this.bootstrapServers = bootstrapServers;
        this.server = server;
        this.dir = dir;
    }

    /**
     * Attaches to {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS}, or starts a broker in this JVM.
     *
     * @return the cluster; closing it stops the broker this call started, if any
     */
    public static KafkaBroker fromEnvironmentOrStart() {
        String external = System.getenv(ENV);
        if (external != null && !external.isBlank()) {
            System.out.println("Kafka: " + external.strip() + " (" + ENV + ")");
            return new KafkaBroker(external.strip(), null, null);
        }
        return start();
    }

    /** @return host:port pairs to bootstrap from, never null */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** @return whether this JVM runs the broker (false when attached to an external cluster) */
    public boolean embedded() {
        return server != null;
    }

    /**
     * The input record of toon number {@code i} as every Kafka benchmark preloads it: {@link
     * io.twelvefold.bench.Toon#json(int)} in CloudEvents binary mode ({@code ce_id} {@code id-<i>},
     * source {@code /bench}, type {@code bench.toon}, {@code content-type} JSON).
     *
     * @param topic the input topic
     * @param key the record key
     * @param i the toon's number
     * @return the record
     */
    public static org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> toonRecord(String topic, String key,
            int i) {
        org.apache.kafka.common.header.internals.RecordHeaders headers =
                new org.apache.kafka.common.header.internals.RecordHeaders();
        headers.add("ce_id", ("id-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        headers.add("ce_source", "/bench".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        headers.add("ce_type", "bench.toon".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        headers.add("ce_specversion", "1.0".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        headers.add("content-type", "application/json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new org.apache.kafka.clients.producer.ProducerRecord<>(topic, null, key,
                io.twelvefold.bench.Toon.json(i), headers);
    }

    /**
     * Waits (up to a minute) until the leader of every partition of freshly created topics serves
     * requests, so that an idempotent producer's first batches are not refused while later ones get
     * through (which leaves it retrying with OUT_OF_ORDER_SEQUENCE_NUMBER). DescribeProducers is
     * answered by each partition's leader itself.
     *
     * @param admin an admin client of the broker
     * @param topics the new topics
     * @throws Exception when the partitions do not serve within a minute
     */
    public static void awaitServing(org.apache.kafka.clients.admin.Admin admin, java.util.Collection<String> topics)
            throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
        while (true) {
            try {
                java.util.List<org.apache.kafka.common.TopicPartition> partitions = new java.util.ArrayList<>();
                admin.describeTopics(topics).allTopicNames().get(5, java.util.concurrent.TimeUnit.SECONDS)
                        .forEach((name, d) -> d.partitions().forEach(
                                p -> partitions.add(new org.apache.kafka.common.TopicPartition(name, p.partition()))));
                admin.describeProducers(partitions).all().get(5, java.util.concurrent.TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static KafkaBroker start() {
        long t0 = System.nanoTime();
        try {
            Path dir = Files.createTempDirectory("twelvefold-bench-kafka-");
            int brokerPort = freePort();
            int controllerPort = freePort();
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
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
            p.put("auto.create.topics.enable", "false");
            p.put("num.partitions", "1");
            Path properties = dir.resolve("server.properties");
            try (var out = Files.newBufferedWriter(properties)) {
                p.store(out, "twelvefold bench broker");
            }
            int rc = kafka.tools.StorageTool$.MODULE$.execute(new String[] {"format", "-t",
                    Uuid.randomUuid().toString(), "-c", properties.toString(), "--standalone"},
                    new PrintStream(PrintStream.nullOutputStream()));
            if (rc != 0) {
                throw new IllegalStateException("Formatting the Kafka storage in " + dir + " failed with " + rc);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
            server.startup();
            System.out.printf("Kafka: embedded KRaft broker on 127.0.0.1:%d, started in %d ms%n", brokerPort,
                    (System.nanoTime() - t0) / 1_000_000);
            return new KafkaBroker("127.0.0.1:" + brokerPort, server, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the embedded broker and deletes its data; nothing for an external cluster. Idempotent. */
    @Override
    public synchronized void close() {
        if (server == null || !Files.exists(dir)) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
