package io.twelvefold.core.internal;

import io.twelvefold.core.spi.AdminCommand;
import io.twelvefold.core.spi.Extension;
import java.util.List;

/** What {@code --help} prints. */
final class Usage {
    private Usage() {
    }

    static String text(List<Extension> extensions) {
        String nl = System.lineSeparator();
        StringBuilder more = new StringBuilder();
        for (Extension e : extensions) {
            for (AdminCommand c : e.commands()) {
                more.append(String.format("  %-16s %s", c.name(), c.description())).append(nl);
            }
        }
        return String.join(nl,
                "Usage: java -jar <app>.jar [command]",
                "",
                "A Twelvefold event processor. Without a command it runs as a service: it connects to the",
                "broker, processes events until SIGTERM or SIGINT, then stops gracefully and exits 0.",
                "",
                "Commands:",
                "  --print-config   print every setting (key, environment variable, type, default, value,",
                "                   source; secrets redacted), check them like a start would, and exit",
                "  --help           print this help and exit",
                "  provision        declare every exchange, queue and topic the app needs, then exit (for",
                "                   apps whose own credentials may not create them)",
                "  dlq list         count the dead letters by channel, reason, exception class and age",
                "  dlq show         print the dead letters (--json for JSON lines, --payload-max N)",
                "  dlq replay       send them back to their destination (--to D, --dry-run,",
                "                   --max-replays N (default 3), --rate N per second); each is removed",
                "                   once its replay is confirmed",
                "  dlq purge        remove them for good (--yes to confirm)",
                "                   dlq filters: --channel C, --reason R, --exception CLASS, --id ID,",
                "                   --since T, --until T (ISO-8601 instant or age: 15m, 2h, 7d), --limit N",
                more.toString() + "",
                "Settings come from the environment: TWELVEFOLD_TRANSPORT picks the transport (inmemory,",
                "kafka, rabbitmq), TWELVEFOLD_* variables set the rest, PORT turns on the HTTP endpoint",
                "(/health/live, /health/ready, /health/started, /metrics). --print-config lists them all.",
                "",
                "Exit status:",
                "  " + Launcher.OK + "  stopped gracefully, or the command is done",
                "  " + Launcher.FAILED + "  an unexpected failure",
                "  " + Launcher.USAGE + "  a configuration or command-line problem; nothing was started",
                "  " + Launcher.UNREACHABLE + "  the broker could not be reached within twelvefold.start-timeout",
                "") + nl;
    }
}
