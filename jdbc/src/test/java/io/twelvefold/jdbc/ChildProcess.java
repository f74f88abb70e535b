package io.twelvefold.jdbc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** A {@link JdbcChild} JVM, its output lines kept; killed with SIGKILL or stopped with SIGTERM. */
final class ChildProcess implements AutoCloseable {
    private final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();

    private ChildProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "jdbc-child-output");
        reader.setDaemon(true);
        reader.start();
    }

    static ChildProcess start(String mode, Map<String, String> environment, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), JdbcChild.class.getName(), mode));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWELVEFOLD_") || k.equals("PORT")
                || k.equals("DATABASE_URL"));
        pb.environment().putAll(environment);
        return new ChildProcess(pb.start());
    }

    /** Waits for a line starting with the prefix; @return the rest of it */
    String await(String prefix, Duration atMost) {
        Awaitility.await().atMost(atMost).until(() -> !process.isAlive()
                || lines.stream().anyMatch(l -> l.startsWith(prefix)));
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().map(l -> l.substring(prefix.length()))
                .orElseThrow(() -> new AssertionError("the child ended without printing '" + prefix + "':\n"
                        + String.join("\n", lines)));
    }

    /** SIGKILL: no shutdown hook, no acknowledgement, no commit runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** @return the exit status, once the process ended by itself (at most a minute) */
    int exitStatus() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not end:\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        return String.join("\n", lines);
    }

    /** SIGTERM, a graceful stop. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
