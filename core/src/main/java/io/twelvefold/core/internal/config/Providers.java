package io.twelvefold.core.internal.config;

import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The transport providers and extensions an app has: which transport is chosen, which names are taken. */
final class Providers {

    private Providers() {
    }

    /** Extension names: valid, unique, and none a transport's. */
    static void checkExtensionNames(List<Extension> extensions, List<TransportProvider> providers,
            List<String> problems) {
        Set<String> seen = new HashSet<>();
        Set<String> transports = new HashSet<>(FIRST_PARTY_TRANSPORTS);
        for (TransportProvider p : providers) {
            transports.add(p.name());
        }
        for (Extension e : extensions) {
            String name = e.name();
            if (name == null || !name.matches("[a-z][a-z0-9]*")) {
                problems.add("Extension " + e.getClass().getName() + " has the name '" + name
                        + "'; an extension's name is lowercase letters and digits, starting with a letter");
            } else if (!seen.add(name) || transports.contains(name) || name.equals("channels")) {
                problems.add("Extension '" + name + "' (" + e.getClass().getName() + ") has the name of another "
                        + "extension or of a transport; register each extension once");
            }
        }
    }

    /** The keys relative to {@code twelvefold.channels.<channel>.}: the core's, then each provider's. */
    static List<String> channelKeys(List<TransportProvider> providers) {
        List<String> keys = new ArrayList<>();
        for (ConfigKey key : CoreKeys.CHANNEL) {
            keys.add(key.name());
        }
        for (TransportProvider p : providers) {
            for (ConfigKey key : p.channelConfigKeys()) {
                keys.add(p.name() + "." + key.name());
            }
        }
        return keys;
    }

    /**
     * The first-party transports whose module is not on the classpath: their settings in the
     * environment are ignored (the same environment often serves several deployments), not reported
     * as unknown.
     */
    static Set<String> absentTransports(List<TransportProvider> providers) {
        Set<String> absent = new TreeSet<>(FIRST_PARTY_TRANSPORTS);
        for (TransportProvider p : providers) {
            absent.remove(p.name());
        }
        return absent;
    }

    /** The transports this project ships, whose settings the loader recognises even when their module is absent. */
    static final List<String> FIRST_PARTY_TRANSPORTS = List.of("inmemory", "kafka", "rabbitmq");

    /** The provider classes of the shipped transports, by name. */
    static final Map<String, String> FIRST_PARTY_PROVIDERS = Map.of(
            "inmemory", "io.twelvefold.transport.inmemory.InMemoryTransportProvider",
            "kafka", "io.twelvefold.transport.kafka.KafkaTransportProvider",
            "rabbitmq", "io.twelvefold.transport.rabbitmq.RabbitMqTransportProvider");

    /**
     * When a shipped transport's classes are on the classpath but {@link java.util.ServiceLoader} did
     * not find it, its {@code META-INF/services} entry is missing: a fat jar built without merging
     * the service files. Says so, with the fix; empty otherwise.
     */
    static String unregisteredHint(String name, boolean othersAvailable) {
        String providerClass = name == null ? null : FIRST_PARTY_PROVIDERS.get(name.strip());
        if (providerClass == null) {
            return "";
        }
        try {
            Class.forName(providerClass, false, Providers.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return othersAvailable ? "; add the module twelvefold-transport-" + name.strip() + " to the classpath" : "";
        }
        return ". Its classes are on the classpath but its entry in META-INF/services/"
                + "io.twelvefold.core.spi.TransportProvider is missing: when you build a fat jar, merge the "
                + "service files (maven-shade-plugin's ServicesResourceTransformer)";
    }

    /** The providers by name, sorted; more than one under a name is a problem for the caller to report. */
    static Map<String, List<TransportProvider>> byName(List<TransportProvider> providers) {
        Map<String, List<TransportProvider>> byName = new TreeMap<>();
        for (TransportProvider p : providers) {
            byName.computeIfAbsent(p.name(), n -> new ArrayList<>(1)).add(p);
        }
        return byName;
    }

    static TransportProvider chooseProvider(String name, List<TransportProvider> providers,
            List<String> problems) {
        Map<String, List<TransportProvider>> byName = byName(providers);
        for (Map.Entry<String, List<TransportProvider>> e : byName.entrySet()) {
            if (e.getValue().size() > 1) {
                List<String> classes = new ArrayList<>();
                for (TransportProvider p : e.getValue()) {
                    classes.add(p.getClass().getName());
                }
                problems.add("Transport '" + e.getKey() + "' is provided by more than one module: " + classes
                        + "; keep only one of them on the classpath");
            }
        }
        List<TransportProvider> named = byName.get(name);
        if (named != null) {
            return named.get(0);
        }
        String hint = unregisteredHint(name, !byName.isEmpty());
        problems.add("Transport '" + name + "' is not available (twelvefold.transport / TWELVEFOLD_TRANSPORT). Available: "
                + (!byName.isEmpty() ? byName.keySet().toString()
                        : hint.isEmpty() ? "none; add a transport module such as twelvefold-transport-inmemory to the classpath"
                        : "none")
                + hint);
        return null;
    }
}
