package io.twelvefold.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** SIGTERM to a real child JVM with 1,000 slow events in flight (docs/lifecycle.md, shutdown order). */
class ShutdownIT {
    private static final Pattern PORT = Pattern.compile("HTTP endpoint on port (\\d+)");
    private Process process;

    @AfterEach
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    @DisplayName("SIGTERM with 1,000 slow events in flight: readiness DOWN first, exit 0 within the timeout, "
            + "completed events acked once, the rest unacked, none processed twice, stop hooks in reverse order")
    void sigtermWhileBusy() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                SlowProcess.class.getName()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWELVEFOLD_"));
        pb.environment().putAll(Map.of("SLOW_EVENTS", "1000", "SLOW_MILLIS", "300", "PORT", "0",
                "TWELVEFOLD_CHANNELS_WORK_MAX_IN_FLIGHT", "1000", "TWELVEFOLD_SHUTDOWN_TIMEOUT", "10s"));
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
        });
        reader.setDaemon(true);
        reader.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> count(out, "completed ") >= 16);
        int port = out.stream().map(PORT::matcher).filter(Matcher::find).map(m -> Integer.parseInt(m.group(1)))
                .findFirst().orElseThrow(() -> new AssertionError("no port line in " + out));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI ready = URI.create("http://127.0.0.1:" + port + "/health/ready");
        assertThat(status(http, ready)).isEqualTo(200);

        // Watch readiness from the moment the signal is sent until the process is gone.
        AtomicBoolean sawDown = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (process.isAlive()) {
                try {
                    if (status(http, ready) == 503) {
                        sawDown.set(true);
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });
        long signalled = System.nanoTime();
        process.toHandle().destroy(); // SIGTERM
        watcher.start();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("exited within shutdown-timeout").isTrue();
        long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
        assertThat(process.exitValue()).isZero();
        assertThat(exitMillis).as("exit within shutdown-timeout (10 s)").isLessThan(10_000);
        watcher.join(5_000);
        reader.join(5_000);

        assertThat(out).contains("published 1000", "acks reported");
        int drained = out.indexOf(out.stream().filter(l -> l.contains("draining")).findFirst().orElseThrow());
        assertThat(out.stream().filter(l -> l.contains("readiness DOWN")).findFirst())
                .as("readiness reported DOWN").isPresent();
        assertThat(out.indexOf(out.stream().filter(l -> l.contains("readiness DOWN")).findFirst().orElseThrow()))
                .as("readiness DOWN before the drain").isLessThan(drained);
        assertThat(sawDown).as("/health/ready answered 503 while events were draining").isTrue();

        Map<String, Integer> began = new HashMap<>();
        Set<String> completed = new HashSet<>();
        Map<String, Integer> acked = new HashMap<>();
        for (String line : out) {
            if (line.startsWith("begin ")) {
                began.merge(line.substring(6), 1, Integer::sum);
            } else if (line.startsWith("completed ")) {
                completed.add(line.substring(10));
            } else if (line.startsWith("acked ")) {
                String[] p = line.split(" ");
                acked.put(p[1], Integer.parseInt(p[2]));
            }
        }
        assertThat(began.values()).as("no event processed twice").allMatch(n -> n == 1);
        assertThat(completed.size()).as("stopped early: not all 1,000 ran").isBetween(16, 999);
        assertThat(acked.keySet()).as("every completed event acknowledged, nothing else").isEqualTo(completed);
        assertThat(acked.values()).as("acknowledged once").allMatch(n -> n == 1);

        int lastCompleted = lastIndex(out, "completed ");
        int hookB = out.indexOf("stop hook B");
        int hookA = out.indexOf("stop hook A");
        assertThat(hookB).as("stop hooks after the last event").isGreaterThan(lastCompleted);
        assertThat(hookA).as("stop hooks in reverse order").isGreaterThan(hookB);
    }

    private static int status(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static long count(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).count();
    }

    private static int lastIndex(List<String> lines, String prefix) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
