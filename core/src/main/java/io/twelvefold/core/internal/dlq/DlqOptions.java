package io.twelvefold.core.internal.dlq;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The arguments of {@code dlq <action> [options]}, parsed and checked. Immutable.
 *
 * @param action {@code list}, {@code show}, {@code replay} or {@code purge}
 * @param selection the filters
 * @param limit the most dead letters read per destination
 * @param json JSON lines instead of a table
 * @param payloadMax the most characters of payload shown
 * @param to the destination to replay to instead of the original one, or null
 * @param dryRun replay: report, change nothing
 * @param maxReplays replay: skip dead letters replayed this many times already
 * @param rate replay: the most events sent per second, 0 for no limit
 * @param yes purge: confirmed
 */
record DlqOptions(String action, Selection selection, int limit, boolean json, int payloadMax, String to,
        boolean dryRun, int maxReplays, double rate, boolean yes) {

    static final Set<String> ACTIONS = Set.of("list", "show", "replay", "purge");
    static final int DEFAULT_LIMIT = 10_000;
    static final int DEFAULT_PAYLOAD_MAX = 200;
    static final int DEFAULT_MAX_REPLAYS = 3;

    /** Thrown for arguments that make no sense; its message says what to fix. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * @param args the arguments after {@code dlq}
     * @param now the current instant, for {@code --since 1h}
     * @return the options
     * @throws UsageException naming the argument to fix
     */
    static DlqOptions parse(List<String> args, Instant now) {
        if (args.isEmpty() || !ACTIONS.contains(args.get(0))) {
            throw new UsageException("dlq needs an action: list, show, replay or purge, was '"
                    + (args.isEmpty() ? "" : args.get(0)) + "'; see --help");
        }
        Parser p = new Parser(args.get(0), new ArrayList<>(args.subList(1, args.size())), now);
        return p.parse();
    }

    /** Reads the options one by one. */
    private static final class Parser {
        private final String action;
        private final List<String> rest;
        private final Instant now;
        private String channel;
        private String reason;
        private String exception;
        private Instant since;
        private Instant until;
        private String id;
        private int limit = DEFAULT_LIMIT;
        private boolean json;
        private int payloadMax = DEFAULT_PAYLOAD_MAX;
        private String to;
        private boolean dryRun;
        private int maxReplays = DEFAULT_MAX_REPLAYS;
        private double rate;
        private boolean yes;

        Parser(String action, List<String> rest, Instant now) {
            this.action = action;
            this.rest = rest;
            this.now = now;
        }

        DlqOptions parse() {
            while (!rest.isEmpty()) {
                option(rest.remove(0));
            }
            return new DlqOptions(action, new Selection(channel, reason, exception, since, until, id), limit, json,
                    payloadMax, to, dryRun, maxReplays, rate, yes);
        }

        private void option(String name) {
            switch (name) {
                case "--channel" -> channel = value(name);
                case "--reason" -> reason = value(name);
                case "--exception" -> exception = value(name);
                case "--id" -> id = value(name);
                case "--since" -> since = time(name, value(name));
                case "--until" -> until = time(name, value(name));
                case "--limit" -> limit = positive(name, value(name));
                case "--json" -> json = only(name, "list", "show");
                case "--payload-max" -> payloadMax = positive(name, value(name));
                case "--to" -> to = only(name, "replay") ? value(name) : null;
                case "--dry-run" -> dryRun = only(name, "replay");
                case "--max-replays" -> maxReplays = only(name, "replay") ? positive(name, value(name)) : 0;
                case "--rate" -> rate = only(name, "replay") ? rate(value(name)) : 0;
                case "--yes" -> yes = only(name, "purge");
                default -> throw new UsageException("dlq " + action + " option '" + name + "' is unknown; see --help");
            }
        }

        private boolean only(String name, String... actions) {
            for (String a : actions) {
                if (a.equals(action)) {
                    return true;
                }
            }
            throw new UsageException("dlq " + action + " option '" + name + "' applies only to dlq "
                    + String.join(" and dlq ", actions) + "; see --help");
        }

        private String value(String name) {
            if (rest.isEmpty() || rest.get(0).startsWith("--")) {
                throw new UsageException("dlq " + action + " option '" + name + "' needs a value; see --help");
            }
            return rest.remove(0);
        }

        private int positive(String name, String value) {
            try {
                int n = Integer.parseInt(value.strip());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UsageException("dlq option '" + name + "' must be a positive integer, was '" + value + "'");
        }

        private double rate(String value) {
            try {
                double r = Double.parseDouble(value.strip());
                if (r > 0 && Double.isFinite(r)) {
                    return r;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new UsageException("dlq option '--rate' must be a positive number of events per second, was '"
                    + value + "'");
        }

        /** An ISO-8601 instant, or an age such as {@code 90s}, {@code 15m}, {@code 2h}, {@code 7d}. */
        private Instant time(String name, String value) {
            Instant at = DeadLetter.instant(value);
            if (at != null) {
                return at;
            }
            String v = value.strip().toLowerCase(Locale.ROOT);
            if (v.matches("[0-9]{1,9}[smhd]")) {
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                Duration age = switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                return now.minus(age);
            }
            throw new UsageException("dlq option '" + name + "' must be an ISO-8601 instant like "
                    + "'2026-12-03T14:00:00Z' or an age like '15m', '2h', '7d', was '" + value + "'");
        }
    }
}
