package io.twelvefold.bench.startup;

import io.twelvefold.bench.Medians;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Start-up and shutdown of a real process, median of N runs: JVM launch to {@code ready}, resident
 * memory once ready, and SIGTERM to exit of an idle process, for the quickstart on the in-memory
 * transport and for {@link IdleBaseline} (a JVM that does nothing) in the same run, with the range
 * of launch to ready and the load averages before and after (start-up is CPU-bound, and our build
 * machines share 2 cores: the idle JVM's own launch time shows how busy the machine was).
 *
 * <pre>java -cp bench/target/benchmarks.jar io.twelvefold.bench.startup.StartupHarness examples/quickstart/target/quickstart.jar 10</pre>
 */
public final class StartupHarness {
    private StartupHarness() {
    }

    private record Run(double readyMillis, double exitMillis, long rssKb, int exitCode) {
    }

    /**
     * Runs the measurement.
     *
     * @param args the quickstart jar, then the number of runs (default 10)
     * @throws Exception when a process cannot be started
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: StartupHarness <quickstart.jar> [runs]");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> quickstart = List.of(java, "-Xmx64m", "-jar", jar.toString());
        List<String> baseline = List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                IdleBaseline.class.getName());
        String loadBefore = loadAverage();
        // one warm-up each (page cache, CDS archive mapping)
        measure(quickstart, " ready on transport ");
        measure(baseline, "ready");
        List<Run> tf = new ArrayList<>();
        List<Run> base = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            tf.add(measure(quickstart, " ready on transport "));
            base.add(measure(baseline, "ready"));
        }
        System.out.printf("runs: %d, java %s, %d cores, -Xmx64m, load average before %s, after %s%n", runs,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), loadBefore,
                loadAverage());
        System.out.println("| process | launch to ready (ms) | min–max | SIGTERM to exit (ms) | RSS when ready (MB) "
                + "| exit status |");
        System.out.println("|---|---|---|---|---|---|");
        row("quickstart (in-memory)", tf);
        row("baseline: idle JVM", base);
        System.out.printf("| ratio quickstart / baseline | %.2f | | %.2f | %.2f | |%n",
                Medians.of(tf, Run::readyMillis) / Medians.of(base, Run::readyMillis),
                Medians.of(tf, Run::exitMillis) / Medians.of(base, Run::exitMillis),
                Medians.of(tf, r -> r.rssKb) / Medians.of(base, r -> r.rssKb));
    }

    private static void row(String name, List<Run> runs) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Run r : runs) {
            min = Math.min(min, r.readyMillis);
            max = Math.max(max, r.readyMillis);
        }
        System.out.printf("| %s | %.0f | %.0f–%.0f | %.0f | %.1f | %s |%n", name, Medians.of(runs, Run::readyMillis), min, max,
                Medians.of(runs, Run::exitMillis), Medians.of(runs, r -> r.rssKb) / 1024.0,
                runs.stream().map(r -> Integer.toString(r.exitCode)).distinct().toList());
    }

    private static Run measure(List<String> command, String readyMarker) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWELVEFOLD_") || k.equals("PORT"));
        pb.environment().put("QUICKSTART_GREETINGS", "0");
        long t0 = System.nanoTime();
        Process p = pb.start();
        CompletableFuture<Long> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    if (!ready.isDone() && line.contains(readyMarker)) {
                        ready.complete(System.nanoTime());
                    }
                }
            } catch (IOException e) {
                // process ended
            }
            ready.complete(-1L);
        });
        reader.setDaemon(true);
        reader.start();
        long readyAt;
        try {
            readyAt = ready.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("no '" + readyMarker.trim() + "' line from " + command, e);
        }
        long rss = rssKb(p.pid());
        long term = System.nanoTime();
        p.toHandle().destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("no exit within 30 s after SIGTERM: " + command);
        }
        long exited = System.nanoTime();
        return new Run((readyAt - t0) / 1e6, (exited - term) / 1e6, rss, p.exitValue());
    }

    /** The 1, 5 and 15 minute load averages: start-up on a shared 2-core machine depends on them. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
