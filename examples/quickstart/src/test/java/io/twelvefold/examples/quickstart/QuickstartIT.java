package io.twelvefold.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Runs the packaged quickstart as a real child JVM, as a user would. */
class QuickstartIT {
    private static final Path JAR = Path.of(System.getProperty("quickstart.jar", "target/quickstart.jar"));

    private Process process;

    @AfterEach
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("the quickstart processes its greetings, prints them to stdout, and exits 0 on SIGTERM")
    void runsAndStopsGracefully() throws Exception {
        List<String> out = start(Map.of("QUICKSTART_GREETINGS", "3"));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> out.stream().filter(l -> l.contains("processed")).count() == 3);
        assertThat(out).anyMatch(l -> l.contains("from luke: HELLO NUMBER 1!"));
        // SIGTERM through the handle: Process.destroy() would also close our end of its stdout
        process.toHandle().destroy();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(process.exitValue()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> out.stream().anyMatch(l -> l.contains("stopped in")));
    }

    @Test
    @DisplayName("bad environment values are reported together, each naming its variable, with exit status 2")
    void badEnvironment() throws Exception {
        List<String> out = start(Map.of(
                "TWELVEFOLD_CHANNELS_GREETINGS_CONCURRENCY", "zero",
                "TWELVEFOLD_SHUTDOWN_TIMEOUT", "-5s",
                "TWELVEFOLD_TRANSPRT", "kafka"));
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> out.stream().anyMatch(l -> l.contains("TWELVEFOLD_TRANSPRT")));
        String all = String.join("\n", out);
        assertThat(all)
                .contains("Configuration is invalid (3 problems):")
                .contains("TWELVEFOLD_CHANNELS_GREETINGS_CONCURRENCY")
                .contains("TWELVEFOLD_SHUTDOWN_TIMEOUT")
                .contains("did you mean 'TWELVEFOLD_TRANSPORT'?")
                .doesNotContain("Exception in thread")
                .doesNotContain("\tat ");
    }

    @Test
    @DisplayName("--help prints the usage and exits 0; an unknown argument exits 2 without starting anything")
    void commandLine() throws Exception {
        List<String> help = start(Map.of(), "--help");
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(process.exitValue()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> help.stream().anyMatch(l -> l.contains("Exit status:")));
        assertThat(help.get(0)).isEqualTo("Usage: java -jar <app>.jar [command]");

        List<String> unknown = start(Map.of(), "--verbose");
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> !unknown.isEmpty());
        assertThat(unknown).containsExactly("Unknown argument '--verbose'; see --help for the commands");
    }

    @Test
    @DisplayName("a broker that is down: one warning, then one error naming the variable after start-timeout, exit 3,"
            + " no stack trace and no graceful stop of what never started")
    void brokerDown() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        List<String> out = start(Map.of("TWELVEFOLD_TRANSPORT", "rabbitmq",
                "TWELVEFOLD_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:" + closedPort, "TWELVEFOLD_START_TIMEOUT", "4s"));
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(process.exitValue()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> out.stream().anyMatch(l -> l.contains("Cannot start")));
        assertThat(out).filteredOn(l -> l.contains(" WARN ")).hasSize(1);
        assertThat(out).filteredOn(l -> l.contains(" ERROR ")).singleElement().asString()
                .contains("TWELVEFOLD_RABBITMQ_URI", "gave up after 4s", "TWELVEFOLD_START_TIMEOUT")
                .doesNotContain("guest:guest");
        assertThat(out.size()).as("lines of output: %s", out).isLessThan(10);
        assertThat(String.join("\n", out)).doesNotContain("\tat ", "draining", "stopping");
    }

    @Test
    @DisplayName("a fat jar built without merging the transports' service files says so, naming the fix, exit 2")
    void missingServiceEntry() throws Exception {
        Path broken = Files.createTempFile("quickstart-without-services", ".jar");
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(JAR.toFile());
                java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(broken))) {
            for (java.util.zip.ZipEntry e : java.util.Collections.list(in.entries())) {
                if (e.getName().equals("META-INF/services/io.twelvefold.core.spi.TransportProvider")) {
                    continue; // what a shade without ServicesResourceTransformer can end up with
                }
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                in.getInputStream(e).transferTo(out);
                out.closeEntry();
            }
        }
        try {
            List<String> out = startJar(broken, Map.of("TWELVEFOLD_TRANSPORT", "kafka"));
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(process.exitValue()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> out.stream().anyMatch(l -> l.contains("ServicesResourceTransformer")));
            assertThat(String.join("\n", out)).contains("Transport 'kafka' is not available (twelvefold.transport /"
                    + " TWELVEFOLD_TRANSPORT). Available: none. Its classes are on the classpath but its entry in"
                    + " META-INF/services/io.twelvefold.core.spi.TransportProvider is missing");
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    private List<String> start(Map<String, String> env, String... args) throws IOException {
        return startJar(JAR, env, args);
    }

    private List<String> startJar(Path jar, Map<String, String> env, String... args) throws IOException {
        assertThat(Files.exists(jar)).as("run after 'package': %s", jar.toAbsolutePath()).isTrue();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx64m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWELVEFOLD_"));
        pb.environment().putAll(env);
        process = pb.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    lines.add(line);
                    System.out.println("[quickstart] " + line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
