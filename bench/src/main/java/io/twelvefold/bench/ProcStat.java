package io.twelvefold.bench;

/**
 * Reads a Linux {@code /proc/<pid>/stat} or {@code /proc/<pid>/task/<tid>/stat} line: the CPU
 * time of a process or of one of its threads, and its name.
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
}
