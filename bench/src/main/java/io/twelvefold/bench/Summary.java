package io.twelvefold.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH JSON results ({@code -rf json}) into the figures table of {@code bench/README.md}:
 * events per second, the ratio to {@link BaselineBenchmark} of the same run, and bytes allocated
 * per event ({@code gc.alloc.rate.norm}; one JMH operation is one event, because every benchmark
 * declares {@code @OperationsPerInvocation(Bench.BATCH)}).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.twelvefold.bench.Summary pinned=a.json unpinned=b.json}
 */
public final class Summary {
    private static final double TARGET = 1_000_000;

    private Summary() {
    }

    /** One result: events/s with its error, and bytes per event (NaN without {@code -prof gc}). */
    private record Figure(double score, double error, double bytesPerEvent) {
    }

    /**
     * Prints the table.
     *
     * @param args {@code label=results.json} pairs, one per run (pinned, unpinned)
     * @throws IOException when a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("Usage: Summary <label>=<jmh-results.json> ...");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        List<String> labels = new ArrayList<>();
        // row name -> label -> figure, rows in the order of the first file
        Map<String, Map<String, Figure>> rows = new LinkedHashMap<>();
        Map<String, Double> baselines = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String label = arg.substring(0, eq);
            labels.add(label);
            for (JsonNode r : json.readTree(Path.of(arg.substring(eq + 1)).toFile())) {
                String row = rowName(r);
                JsonNode primary = r.path("primaryMetric");
                JsonNode norm = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
                Figure f = new Figure(primary.path("score").asDouble(), primary.path("scoreError").asDouble(),
                        norm.isMissingNode() ? Double.NaN : norm.path("score").asDouble());
                rows.computeIfAbsent(row, k -> new LinkedHashMap<>()).put(label, f);
                if (r.path("benchmark").asText().endsWith("BaselineBenchmark.handOff")) {
                    baselines.put(label, f.score());
                }
            }
        }
        // the rows first, the baseline last
        List<String> order = new ArrayList<>(rows.keySet());
        order.sort(Comparator.comparingInt(Summary::rank));
        StringBuilder out = new StringBuilder();
        out.append("| benchmark | codec | concurrency | keys |");
        for (String l : labels) {
            out.append(' ').append(l).append(" events/s | ").append(l).append(" ratio | ").append(l)
                    .append(" B/event |");
        }
        out.append('\n').append("|---|---|---:|---:|");
        out.append("---:|---:|---:|".repeat(labels.size())).append('\n');
        for (String row : order) {
            out.append("| ").append(row).append(" |");
            for (String l : labels) {
                Figure f = rows.get(row).get(l);
                Double base = baselines.get(l);
                if (f == null) {
                    out.append(" | | |");
                    continue;
                }
                String error = Double.isNaN(f.error()) ? "" : String.format(Locale.ROOT, " ± %,.0f", f.error());
                out.append(String.format(Locale.ROOT, " %,.0f%s | %s | %s |", f.score(), error,
                        base == null ? "" : String.format(Locale.ROOT, "%.3f", f.score() / base),
                        Double.isNaN(f.bytesPerEvent()) ? "" : String.format(Locale.ROOT, "%.0f", f.bytesPerEvent())));
            }
            out.append('\n');
        }
        out.append('\n').append("ratio = events/s of the row / events/s of BaselineBenchmark in the same run. ");
        out.append(String.format(Locale.ROOT, "Target: %,.0f events/s pass-through on one core.%n", TARGET));
        System.out.print(out);
    }

    private static int rank(String row) {
        return row.startsWith("PassThrough") ? 0 : row.startsWith("Baseline") ? 2 : 1;
    }

    private static String rowName(JsonNode r) {
        String benchmark = r.path("benchmark").asText();
        String simple = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        JsonNode p = r.path("params");
        String codec = simple.startsWith("JsonPassThrough") ? "json" : simple.startsWith("PassThrough") ? "bytes" : "-";
        return simple + " | " + codec + " | " + p.path("concurrency").asText("-") + " | " + p.path("keys").asText("-");
    }
}
