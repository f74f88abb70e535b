package io.twelvefold.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a Linux {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat} line: the CPU
 * time of a process or of one of its threads, and its name; and the peak resident set of a
 * process from {@code /proc/<pid>/status}.
 */
public final class ProcStat {
    private ProcStat() {
    }

    /**
     * @param stat the content of a {@code stat} file
     * @return its user and system CPU time (fields 14 and 15), in clock ticks
     */
    public static long cpuTicks(String stat) {
        // the fields after the command name, which may hold spaces and parentheses: state is field 3
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * @param stat the content of a {@code stat} file
     * @return the process's or thread's name (field 2, without its parentheses)
     */
    public static String name(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    }

    /**
     * @param pid a process on this machine
     * @return the CPU time (user and system, all threads) the process has used so far, in ms, from
     *     {@code /proc/<pid>/stat} (clock ticks of 10 ms); NaN where that file cannot be read
     */
    public static double cpuMillis(long pid) {
        try {
            return cpuTicks(Files.readString(Path.of("/proc/" + pid + "/stat"))) * 10.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * @param pid a process on this machine
     * @return its peak resident set size so far ({@code VmHWM} of {@code /proc/<pid>/status}) in
     *     kB, or -1 where that cannot be read
     */
    public static long maxRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.substring("VmHWM:".length()).replace("kB", "").strip());
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
