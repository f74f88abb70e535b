package io.twelvefold.core.internal;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.internal.config.ConfigLoader;
import io.twelvefold.core.internal.config.LoadedConfig;
import io.twelvefold.core.spi.Transport;
import java.io.PrintStream;

/**
 * What the built-in one-off commands that talk to the broker ({@code dlq}, {@code provision})
 * share: the settings checked like a start, and the transport created once (a command does not
 * wait for a broker that is down), each failure printed on standard error with its exit status.
 */
final class BrokerCommand {
    private BrokerCommand() {
    }

    /** A transport, or the exit status that says why there is none. */
    record Connected(Transport transport, int status) {
    }

    /** @return the valid settings, or null when they are not (the problems printed) */
    static LoadedConfig load(Declaration d, PrintStream err) {
        try {
            return Bootstrap.load(d, Bootstrap.providers(d));
        } catch (ConfigurationException e) {
            err.println(e.getMessage());
            return null;
        }
    }

    /** @return the transport, or none with {@link Launcher#USAGE} (refused) or {@link Launcher#UNREACHABLE} */
    static Connected connect(LoadedConfig loaded, PrintStream err) {
        try {
            return new Connected(loaded.provider().create(new ConfigLoader.Settings(loaded.transportProperties(),
                    loaded.channelOptions())), Launcher.OK);
        } catch (ConfigurationException e) {
            err.println(e.getMessage());
            return new Connected(null, Launcher.USAGE);
        } catch (TransportException e) {
            err.println(e.getMessage());
            return new Connected(null, Launcher.UNREACHABLE);
        }
    }
}
