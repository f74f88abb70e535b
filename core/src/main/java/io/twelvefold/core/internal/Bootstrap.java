package io.twelvefold.core.internal;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.internal.config.ConfigLoader;
import io.twelvefold.core.internal.config.LoadedConfig;
import io.twelvefold.core.internal.dispatch.Dispatcher;
import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Turns what an app declared into a runtime: finds the transport providers, reads and validates
 * every setting (the configuration, {@code PORT}, the transport's own) and reports every problem
 * at once. Connects to nothing. Stateless.
 */
public final class Bootstrap {
    private Bootstrap() {
    }

    /**
     * Reads and validates the configuration.
     *
     * @param d the declaration, never null
     * @return a new runtime, not started, never null
     * @throws ConfigurationException listing every problem
     * @throws IllegalArgumentException when interceptors are registered for a channel without a processor
     */
    public static Engine create(Declaration d) {
        Dispatcher.checkInterceptedChannels(d.channelInterceptors(), processorChannels(d));
        // The JSON warm-up (StartupTuning.start) is already running: App.Builder starts it before this
        // class binds SLF4J; it goes on while the providers are found, the configuration loads and the
        // transport connects. The first event, not READY, needs it.
        Port port = Port.of(d.environment().get("PORT"));
        LoadedConfig loaded;
        try {
            loaded = load(d, providers(d));
        } catch (ConfigurationException e) {
            if (port.problem() == null) {
                throw e;
            }
            List<String> all = new ArrayList<>(e.problems());
            all.add(port.problem());
            throw new ConfigurationException(all);
        }
        if (port.problem() != null) {
            throw new ConfigurationException(port.problem());
        }
        return new Engine(d, loaded, port.number());
    }

    private static java.util.Set<String> processorChannels(Declaration d) {
        java.util.Set<String> channels = new java.util.LinkedHashSet<>();
        for (Declaration.ProcessorBinding<?> p : d.processors()) {
            channels.add(p.channel());
        }
        return channels;
    }

    /**
     * Loads the configuration the way {@link #create} does, without creating a runtime.
     *
     * @param d the declaration
     * @param providers the providers to choose from
     * @return the valid configuration
     * @throws ConfigurationException listing every problem
     */
    static LoadedConfig load(Declaration d, List<TransportProvider> providers) {
        Map<String, String> defaults = d.name() == null ? Map.of() : Map.of("twelvefold.name", d.name());
        return ConfigLoader.load(d.environment(), d.config(), defaults, d.channels(), providers, d.extensions(),
                d.codecOrDefault());
    }

    /**
     * The providers to choose from: the one given to the builder, or those {@link ServiceLoader} finds.
     *
     * @param d the declaration
     * @return the providers, never null
     */
    static List<TransportProvider> providers(Declaration d) {
        if (d.transportProvider() != null) {
            return List.of(d.transportProvider());
        }
        List<TransportProvider> found = new ArrayList<>();
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
            found.add(p);
        }
        return found;
    }

    /**
     * The HTTP port from {@code PORT}.
     *
     * @param number the port, 0 for any free one, -1 when the endpoint is off
     * @param problem what is wrong with the value, or null
     */
    record Port(int number, String problem) {
        static Port of(String value) {
            if (value == null || value.isBlank()) {
                return new Port(-1, null);
            }
            int port;
            try {
                port = Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                return new Port(-1, "PORT must be an integer from 0 to 65535 (0 picks a free port), was '" + value
                        + "'; unset it to turn the HTTP endpoint off");
            }
            return new Port(port, null);
        }
    }
}
