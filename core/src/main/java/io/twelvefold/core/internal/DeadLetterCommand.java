package io.twelvefold.core.internal;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.internal.config.LoadedConfig;
import io.twelvefold.core.internal.dlq.DlqCommand;
import io.twelvefold.core.spi.Transport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The built-in {@code dlq} command of every app: checks the settings like a start, connects the
 * transport once (no waiting for a broker that is down), runs {@link DlqCommand} and disconnects.
 */
final class DeadLetterCommand {
    private DeadLetterCommand() {
    }

    /** @return the exit status */
    static int run(Declaration d, List<String> args, PrintStream out, PrintStream err) {
        LoadedConfig loaded = BrokerCommand.load(d, err);
        if (loaded == null) {
            return Launcher.USAGE;
        }
        List<DlqCommand.Source> sources = sources(d, loaded);
        String problem = DlqCommand.check(args, sources);
        if (problem != null) {
            err.println(problem);
            return Launcher.USAGE;
        }
        BrokerCommand.Connected connected = BrokerCommand.connect(loaded, err);
        if (connected.transport() == null) {
            return connected.status();
        }
        try (Transport transport = connected.transport()) {
            return DlqCommand.run(transport, loaded.provider().name(), sources, args, out, err);
        } catch (TransportException e) {
            err.println("dlq " + args.get(0) + " failed: " + e.getMessage());
            return Launcher.FAILED;
        }
    }

    /** The channels with a processor, and their dead-letter destinations. */
    private static List<DlqCommand.Source> sources(Declaration d, LoadedConfig loaded) {
        List<DlqCommand.Source> sources = new ArrayList<>();
        for (Declaration.ProcessorBinding<?> p : d.processors()) {
            ChannelSettings s = ChannelSettings.of(p.channel(), loaded.config().channels().get(p.channel()),
                    loaded.config().name(), loaded.channelOptions().get(p.channel()));
            sources.add(new DlqCommand.Source(p.channel(), s.deadLetterDestination(), s.group(), s.options()));
        }
        return sources;
    }
}
