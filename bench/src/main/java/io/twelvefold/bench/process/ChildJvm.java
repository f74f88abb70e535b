package io.twelvefold.bench.process;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ObjDoubleConsumer;

/**
 * The child JVMs of the process harnesses: the same {@code java}, classpath and environment for
 * every side, and their output saved line by line, each line stamped with the milliseconds since
 * launch.
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * A child JVM running {@code mainClass} from this JVM's classpath with this JVM's {@code java}.
     * Its environment is this JVM's without our own {@code TWELVEFOLD_*} variables (the native Kafka
     * client properties {@code TWELVEFOLD_KAFKA_CLIENT_*} stay: both sides read them) and without
     * {@code PORT}, plus {@code env}; standard error goes to standard output.
     *
     * @param javaOpts JVM options separated by blanks, may be empty (the JVM's defaults)
     * @param jvmArgs further JVM options, after {@code javaOpts}
     * @param mainClass the class to run
     * @param env the child's broker and channel variables
     * @return the builder, not started
     */
    static ProcessBuilder builder(String javaOpts, List<String> jvmArgs, String mainClass, Map<String, String> env) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Arrays.stream(javaOpts.trim().split("\\s+")).filter(o -> !o.isEmpty()).forEach(command::add);
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWELVEFOLD_") && !k.startsWith("TWELVEFOLD_KAFKA_CLIENT_")
                || k.equals("PORT"));
        pb.environment().putAll(env);
        return pb;
    }

    /**
     * Copies the child's output to {@code log} on a daemon thread of its own until the child
     * closes it, each line stamped {@code +<ms since t0> ms}.
     *
     * @param p the child
     * @param log the file to write
     * @param t0 the launch, a {@link System#nanoTime()}
     * @param onLine called with each line and its ms since launch, before it is written
     * @return the started thread
     */
    static Thread saveOutput(Process p, Path log, long t0, ObjDoubleConsumer<String> onLine) {
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8));
                    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log))) {
                for (String line; (line = r.readLine()) != null;) {
                    double ms = (System.nanoTime() - t0) / 1e6;
                    onLine.accept(line, ms);
                    out.printf("+%8.1f ms  %s%n", ms, line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
