package io.twelvefold.core.spi;

import java.io.PrintStream;
import java.util.List;

/**
 * A one-off admin command an {@link Extension} adds to the app's command line (12-factor XII):
 * run by {@code java -jar app.jar <name> [args]} or {@code --<name> [args]} with the app's settings,
 * after they were validated, without starting the app.
 */
public interface AdminCommand {

    /** @return the command's name, lowercase letters, digits and dashes ({@code migrate}), never null */
    String name();

    /** @return one line for {@code --help}, never null */
    String description();

    /**
     * Runs the command.
     *
     * @param context the extension's settings (its {@code publisher()} is not available), never null
     * @param args the arguments after the command's name, never null
     * @param out for results
     * @param err for problems
     * @return the process's exit status: 0 done, 2 a usage problem, anything else a failure
     * @throws Exception a failure; reported on {@code err}, exit status 1
     */
    int run(ExtensionContext context, List<String> args, PrintStream out, PrintStream err) throws Exception;
}
