package io.twelvefold.core.internal;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.internal.config.Manifest;
import java.io.PrintStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line of a Twelvefold process ({@code App.Builder.run(args)}): runs the app as a
 * service until SIGTERM or SIGINT, or runs a one-off command, and exits with a documented status.
 *
 * <ul>
 *   <li>no argument: build, start, run until a signal, stop gracefully; exit 0;</li>
 *   <li>{@code --print-config}: the configuration manifest, validated like a start (problems on
 *       standard error, exit 2), connecting to nothing;</li>
 *   <li>{@code dlq list|show|replay|purge [options]}: the channels' dead letters;</li>
 *   <li>{@code provision}: declares the broker objects the app needs, then exits;</li>
 *   <li>{@code --help}: usage;</li>
 *   <li>anything else: an error, exit 2.</li>
 * </ul>
 *
 * <p>Exit statuses: {@value #OK} stopped or done; {@value #FAILED} an unexpected failure;
 * {@value #USAGE} a configuration or command-line problem (nothing started); {@value #UNREACHABLE}
 * the broker could not be reached within {@code twelvefold.start-timeout}.
 */
public final class Launcher {
    /** Stopped gracefully, or the command is done. */
    public static final int OK = 0;
    /** An unexpected failure. */
    public static final int FAILED = 1;
    /** A configuration or command-line problem: nothing was started. */
    public static final int USAGE = 2;
    /** The broker could not be reached in time. */
    public static final int UNREACHABLE = 3;

    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

    /** The app as the launcher drives it. */
    public interface Service {
        /** Connects and subscribes; see {@link Engine#start()}. */
        void start();

        /**
         * Blocks until stopped.
         *
         * @throws InterruptedException when interrupted
         */
        void awaitTermination() throws InterruptedException;

        /** Stops gracefully; idempotent. */
        void close();
    }

    /** Builds the app to run. */
    public interface Builder {
        /**
         * @return the app, built
         * @throws ConfigurationException listing every configuration problem
         */
        Service build();
    }

    private Launcher() {
    }

    /**
     * Runs the command line and exits the JVM with its status.
     *
     * @param args the {@code main} arguments
     * @param declaration what the app declared
     * @param builder builds the app
     */
    public static void run(String[] args, Declaration declaration, Builder builder) {
        int status = execute(List.of(args), declaration, builder, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /**
     * Runs the command line without exiting ({@code App.Builder.command}, tests).
     *
     * @param args the arguments
     * @param declaration what the app declared
     * @param builder builds the app
     * @param out for results
     * @param err for problems
     * @return the exit status
     */
    public static int execute(List<String> args, Declaration declaration, Builder builder, PrintStream out,
            PrintStream err) {
        if (args.isEmpty()) {
            return serve(builder, err);
        }
        String command = args.get(0);
        if (command.equals("dlq") || command.equals("--dlq")) {
            return DeadLetterCommand.run(declaration, args.subList(1, args.size()), out, err);
        }
        ExtensionCommand extensionCommand = ExtensionCommand.find(declaration.extensions(), command);
        if (extensionCommand != null) {
            return extensionCommand.run(declaration, args.subList(1, args.size()), out, err);
        }
        if (args.size() > 1) {
            err.println("Unexpected argument '" + args.get(1) + "' after '" + command + "'; see --help");
            return USAGE;
        }
        switch (command) {
            case "--provision":
            case "provision":
                return ProvisionCommand.run(declaration, out, err);
            case "--help":
            case "-h":
            case "help":
                out.print(Usage.text(declaration.extensions()));
                return OK;
            case "--print-config":
            case "print-config":
                return printConfig(declaration, out, err);
            default:
                err.println("Unknown argument '" + command + "'; see --help for the commands");
                return USAGE;
        }
    }

    private static int printConfig(Declaration d, PrintStream out, PrintStream err) {
        out.print(Manifest.render(d.environment(), d.config(), d.name(), d.channels(), Bootstrap.providers(d),
                d.extensions()));
        try {
            Bootstrap.create(d);
        } catch (ConfigurationException e) {
            err.println(e.getMessage());
            return USAGE;
        }
        return OK;
    }

    private static int serve(Builder builder, PrintStream err) {
        Service app;
        try {
            app = builder.build();
        } catch (ConfigurationException e) {
            err.println(e.getMessage());
            return USAGE;
        }
        // SIGTERM and SIGINT start a graceful stop and the process then exits 0; the shutdown hook
        // covers every other way the JVM can go down. Both are in place before the start, which a
        // signal may end while it waits for the broker.
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(new Stop(app, false), "twelvefold-shutdown-hook"));
        Signals.onTermination(new Stop(app, true));
        try {
            app.start();
        } catch (ConfigurationException e) {
            err.println(e.getMessage());
            return USAGE;
        } catch (TransportException e) {
            LOG.error("Cannot start: {}", e.getMessage());
            return UNREACHABLE;
        } catch (RuntimeException e) {
            LOG.error("Cannot start: {}", e.toString(), e);
            return FAILED;
        }
        try {
            app.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }

    /** Closes the app, here or on a new thread (a signal handler must return at once). */
    private static final class Stop implements Runnable {
        private final Service app;
        private final boolean onNewThread;

        Stop(Service app, boolean onNewThread) {
            this.app = app;
            this.onNewThread = onNewThread;
        }

        @Override
        public void run() {
            if (onNewThread) {
                new Thread(new Stop(app, false), "twelvefold-shutdown").start();
            } else {
                app.close();
            }
        }
    }
}
