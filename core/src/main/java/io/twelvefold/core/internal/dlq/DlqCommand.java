package io.twelvefold.core.internal.dlq;

import io.twelvefold.core.internal.Launcher;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.StoredMessage;
import io.twelvefold.core.spi.Transport;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code dlq} admin command: {@code list}, {@code show}, {@code replay} and {@code purge} the
 * dead letters of the app's channels, on a connected transport, without starting the app.
 * Stateless; one run per call.
 */
public final class DlqCommand {
    private static final Logger LOG = LoggerFactory.getLogger(DlqCommand.class);

    /**
     * A channel with a processor, and where its dead letters go.
     *
     * @param channel the channel
     * @param deadLetterDestination its dead-letter destination, or null when it has none (it reads
     *     dead letters): such a channel is skipped
     * @param group its consumer group
     * @param options the channel's settings for the transport
     */
    public record Source(String channel, String deadLetterDestination, String group, Map<String, String> options) {
    }

    private DlqCommand() {
    }

    /**
     * Checks the arguments without connecting.
     *
     * @param args the arguments after {@code dlq}
     * @param sources the channels with a processor
     * @return the problem, or null when the arguments are fine
     */
    public static String check(List<String> args, List<Source> sources) {
        try {
            DlqOptions o = DlqOptions.parse(args, Clock.systemUTC().instant());
            String channel = o.selection().channel();
            if (channel != null && sources.stream().noneMatch(s -> s.channel().equals(channel))) {
                return "dlq option '--channel' must name a channel with a processor, was '" + channel + "'; channels: "
                        + sources.stream().map(Source::channel).toList();
            }
            if (channel != null && sources.stream().noneMatch(s -> s.channel().equals(channel)
                    && s.deadLetterDestination() != null)) {
                return "dlq option '--channel' must name a channel with dead letters, was '" + channel
                        + "', whose dead-letter destination is none (twelvefold.channels." + channel
                        + ".dead-letter-destination): what fails there stays unacknowledged on its destination";
            }
            return null;
        } catch (DlqOptions.UsageException e) {
            return e.getMessage();
        }
    }

    /**
     * Runs the command on a connected transport; {@link #check} passed.
     *
     * @param transport the connected transport
     * @param transportName its name, for messages
     * @param sources the channels with a processor
     * @param args the arguments after {@code dlq}
     * @param out for results
     * @param err for problems
     * @return the exit status
     */
    public static int run(Transport transport, String transportName, List<Source> sources, List<String> args,
            PrintStream out, PrintStream err) {
        Clock clock = Clock.systemUTC();
        DlqOptions o = DlqOptions.parse(args, clock.instant());
        Optional<DeadLetterStore> store = transport.deadLetters();
        if (store.isEmpty()) {
            err.println("Transport '" + transportName + "' cannot browse dead letters; use the broker's own tools");
            return Launcher.FAILED;
        }
        List<DeadLetter> browsed = browse(store.get(), sources, o);
        List<DeadLetter> selected = browsed.stream().filter(o.selection()::test).toList();
        switch (o.action()) {
            case "list":
                new DlqReport(out, clock.instant()).list(selected, o.json());
                LOG.info("dlq list: selected {} of {} dead letter(s)", selected.size(), browsed.size());
                return Launcher.OK;
            case "show":
                new DlqReport(out, clock.instant()).show(selected, o.json(), o.payloadMax());
                LOG.info("dlq show: selected {} of {} dead letter(s)", selected.size(), browsed.size());
                return Launcher.OK;
            case "replay":
                return new Replay(transport, store.get(), sources, o, out, err).run(browsed);
            default:
                return new Replay(transport, store.get(), sources, o, out, err).purge(browsed);
        }
    }

    /** Reads the dead-letter destinations of the channels the {@code --channel} filter allows (those that have one). */
    private static List<DeadLetter> browse(DeadLetterStore store, List<Source> sources, DlqOptions o) {
        Set<List<String>> read = new LinkedHashSet<>();
        for (Source s : sources) {
            if (s.deadLetterDestination() != null
                    && (o.selection().channel() == null || o.selection().channel().equals(s.channel()))) {
                read.add(List.of(s.deadLetterDestination(), s.group()));
            }
        }
        List<DeadLetter> browsed = new ArrayList<>();
        for (List<String> destinationAndGroup : read) {
            for (StoredMessage m : store.browse(destinationAndGroup.get(0), destinationAndGroup.get(1), o.limit())) {
                browsed.add(new DeadLetter(m));
            }
        }
        return browsed;
    }
}
