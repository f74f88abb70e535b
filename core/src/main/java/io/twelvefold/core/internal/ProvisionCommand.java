package io.twelvefold.core.internal;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.internal.config.LoadedConfig;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@code provision} command: declares every broker object the app would declare
 * (each processor's destination, group queue, dead-letter destination unless it has none, and the
 * objects of its broker retries; each output's destination), then exits, for deployments whose app credentials may not create anything.
 * Consumes and publishes nothing.
 */
final class ProvisionCommand {
    private static final Logger LOG = LoggerFactory.getLogger(ProvisionCommand.class);

    private ProvisionCommand() {
    }

    /** @return the exit status */
    static int run(Declaration d, PrintStream out, PrintStream err) {
        LoadedConfig loaded = BrokerCommand.load(d, err);
        if (loaded == null) {
            return Launcher.USAGE;
        }
        BrokerCommand.Connected connected = BrokerCommand.connect(loaded, err);
        if (connected.transport() == null) {
            return connected.status();
        }
        try (Transport transport = connected.transport()) {
            int channels = provision(d, loaded, transport, out);
            String summary = "provision: done on transport '" + loaded.provider().name() + "', " + channels
                    + " channel(s)";
            LOG.info("{}", summary);
            out.println(summary);
            return Launcher.OK;
        } catch (TransportException e) {
            err.println("provision failed: " + e.getMessage());
            return Launcher.FAILED;
        }
    }

    private static int provision(Declaration d, LoadedConfig loaded, Transport transport, PrintStream out) {
        int channels = 0;
        for (String channel : d.channels()) {
            ChannelSettings s = ChannelSettings.of(channel, loaded.config().channels().get(channel),
                    loaded.config().name(), loaded.channelOptions().get(channel));
            boolean processor = d.processors().stream().anyMatch(p -> p.channel().equals(channel));
            if (processor) {
                SubscriptionRequest request = s.subscriptionRequest();
                List<String> declared = transport.provision(request);
                if (s.deadLetters()) {
                    transport.publisher(new PublisherRequest(s.channel(), s.deadLetterDestination(), Map.of())).close();
                }
                out.printf("provision: channel '%s': destination '%s', group '%s', dead letters %s, broker retries %s%n",
                        channel, s.destination(), s.group(),
                        s.deadLetters() ? "'" + s.deadLetterDestination() + "'" : "none (terminal)",
                        retries(request.brokerRetries()));
                for (String object : declared) {
                    out.printf("provision:   %s%n", object);
                }
            }
            if (d.outputs().contains(channel)) {
                transport.publisher(new PublisherRequest(s.channel(), s.destination(), s.options())).close();
                out.printf("provision: output '%s': destination '%s'%n", channel, s.destination());
            }
            channels++;
        }
        return channels;
    }

    /** The broker retries' delays as the provision line shows them: {@code none}, or {@code from 750ms to 36s}. */
    private static String retries(SubscriptionRequest.DelayRange range) {
        return range == null ? "none"
                : "from " + Engine.text(range.shortest()) + " to " + Engine.text(range.longest());
    }
}
