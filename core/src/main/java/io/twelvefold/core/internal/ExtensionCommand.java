package io.twelvefold.core.internal;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.internal.config.ConfigLoader;
import io.twelvefold.core.internal.config.LoadedConfig;
import io.twelvefold.core.spi.AdminCommand;
import io.twelvefold.core.spi.Extension;
import java.io.PrintStream;
import java.util.List;

/** An extension's admin command, found by the name a user typed ({@code migrate} or {@code --migrate}). */
final class ExtensionCommand {
    private final Extension extension;
    private final AdminCommand command;

    private ExtensionCommand(Extension extension, AdminCommand command) {
        this.extension = extension;
        this.command = command;
    }

    /** @return the command of that name, or null */
    static ExtensionCommand find(List<Extension> extensions, String typed) {
        String name = typed.startsWith("--") ? typed.substring(2) : typed;
        for (Extension e : extensions) {
            for (AdminCommand c : e.commands()) {
                if (c.name().equals(name)) {
                    return new ExtensionCommand(e, c);
                }
            }
        }
        return null;
    }

    /**
     * Checks every setting like a start, then runs the command; @return its exit status.
     */
    int run(Declaration d, List<String> args, PrintStream out, PrintStream err) {
        LoadedConfig loaded;
        try {
            loaded = Bootstrap.load(d, Bootstrap.providers(d));
        } catch (ConfigurationException e) {
            err.println(e.getMessage());
            return Launcher.USAGE;
        }
        ConfigLoader.ExtensionSettings context = new ConfigLoader.ExtensionSettings(loaded.config().name(),
                loaded.extensionProperties().get(extension.name()), d.environment(), d.codecOrDefault());
        try {
            return command.run(context, List.copyOf(args), out, err);
        } catch (ConfigurationException e) {
            err.println(e.getMessage());
            return Launcher.USAGE;
        } catch (Exception e) {
            err.println("'" + command.name() + "' failed: " + e);
            return Launcher.FAILED;
        }
    }
}
