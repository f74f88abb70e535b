package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A processor started while Kafka is down, as a real child JVM with SLF4J's simple logger at INFO
 * (Kafka's loggers included): its output stays a few lines for the whole outage, and its last word
 * names the setting and the cause. With a runtime that tries {@code create} again until
 * {@code twelvefold.start-timeout}, the outage lasts that long (30 s here); with one that gives up
 * at the first failure, the process ends at once: both must stay quiet.
 */
class KafkaOutageProcessTest {
    private static final int MAX_LINES = 50;
    private Process process;

    @AfterEach
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("Kafka down on a closed port for the whole start-timeout: fewer than 50 lines, ending with the env var and the cause")
    void quietWhileTheBrokerIsDown() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-cp", System.getProperty("java.class.path"), OutageApp.class.getName()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWELVEFOLD_") || k.equals("PORT"));
        pb.environment().putAll(Map.of(
                "TWELVEFOLD_TRANSPORT", "kafka",
                "TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + port,
                "TWELVEFOLD_START_TIMEOUT", "30s"));
        process = pb.start();
        List<String> out = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    out.add(line);
                }
            } catch (IOException e) {
                // ended
            }
        }, "outage-app-output");
        reader.setDaemon(true);
        reader.start();

        boolean ended = process.waitFor(90, TimeUnit.SECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(5));
        String all = String.join("\n", out);
        assertThat(ended).as("the process ended after the start timeout; output:\n%s", all).isTrue();
        assertThat(process.exitValue()).as("exit status; output:\n%s", all).isNotZero();
        assertThat(out).as("output lines:\n%s", all).hasSizeLessThan(MAX_LINES);
        assertThat(all).as("no Kafka client was created while the broker did not answer")
                .doesNotContain("ProducerConfig values", "ConsumerConfig values", "AdminClientConfig values",
                        "Rebootstrapping");
        assertThat(all).as("the reason names the setting and the cause")
                .contains("TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS")
                .contains("127.0.0.1:" + port + " refused the connection");
    }
}
