package io.twelvefold.core.internal.config;

import io.smallrye.config.EnvConfigSource;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.config.ChannelConfig;
import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.ExtensionContext;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Loads and validates the configuration of a Twelvefold process: from code overrides (ordinal 500),
 * system properties (400), the environment (300) and defaults. The values come from SmallRye
 * Config's MicroProfile {@link ConfigSource}s ({@link EnvConfigSource} applies the MicroProfile rule
 * between keys and environment variables); each key of {@link TwelvefoldConfig} is then read by a
 * direct typed lookup into an immutable {@link ResolvedConfig}. No {@code @ConfigMapping}
 * implementation is generated at run time: that alone took about 200 ms of every start (see
 * docs/configuration.md). Every problem found (bad values, unknown {@code TWELVEFOLD_*} variables
 * or {@code twelvefold.*} keys, an unavailable transport) is collected into one
 * {@link ConfigurationException}, one line per problem, each naming the key and the environment
 * variable to set; secret values never appear.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {

    static final int OVERRIDES_ORDINAL = 500;
    static final int SYSTEM_PROPERTIES_ORDINAL = 400;
    static final int ENVIRONMENT_ORDINAL = 300;
    static final int CODE_DEFAULTS_ORDINAL = 100;

    /** Secret values shorter than this are not scrubbed from messages (they would mangle them). */
    private static final int SCRUB_MIN_LENGTH = 4;

    private ConfigLoader() {
    }

    /**
     * Loads the configuration.
     *
     * @param environment the environment variables, in place of {@link System#getenv()}, never null
     * @param overrides {@code twelvefold.*} properties set in code, the highest priority, never null
     * @param channels the channel names declared in code (lowercase letters, digits, dashes), never null
     * @param providers the transport providers found, never null
     * @return the valid configuration and the chosen transport, never null
     * @throws ConfigurationException listing every problem found
     */
    public static LoadedConfig load(Map<String, String> environment, Map<String, String> overrides,
            Set<String> channels, List<TransportProvider> providers) {
        return loadFrom(environment, systemProperties(), overrides, Map.of(), channels, providers, List.of(), null);
    }

    /**
     * Loads the configuration with defaults declared in code, which every other source overrides
     * (such as the app name given to the builder).
     *
     * @param environment the environment variables, in place of {@link System#getenv()}, never null
     * @param overrides {@code twelvefold.*} properties set in code, the highest priority, never null
     * @param defaults {@code twelvefold.*} defaults set in code, the lowest priority, never null
     * @param channels the channel names declared in code, never null
     * @param providers the transport providers found, never null
     * @return the valid configuration and the chosen transport, never null
     * @throws ConfigurationException listing every problem found
     */
    public static LoadedConfig loadWithDefaults(Map<String, String> environment, Map<String, String> overrides,
            Map<String, String> defaults, Set<String> channels, List<TransportProvider> providers) {
        return loadFrom(environment, systemProperties(), overrides, defaults, channels, providers, List.of(), null);
    }

    /**
     * Loads the configuration of an app with extensions: their settings are validated with the
     * others, and each extension's {@link Extension#validate} reports its problems in the same message.
     *
     * @param environment the environment variables, in place of {@link System#getenv()}, never null
     * @param overrides {@code twelvefold.*} properties set in code, the highest priority, never null
     * @param defaults {@code twelvefold.*} defaults set in code, the lowest priority, never null
     * @param channels the channel names declared in code, never null
     * @param providers the transport providers found, never null
     * @param extensions the app's extensions, never null
     * @param codec the app's codec, for the extensions
     * @return the valid configuration and the chosen transport, never null
     * @throws ConfigurationException listing every problem found
     */
    public static LoadedConfig load(Map<String, String> environment, Map<String, String> overrides,
            Map<String, String> defaults, Set<String> channels, List<TransportProvider> providers,
            List<Extension> extensions, Codec codec) {
        return loadFrom(environment, systemProperties(), overrides, defaults, channels, providers, extensions, codec);
    }

    /** Like {@link #load(Map, Map, Set, List)} with given system properties, for tests. */
    static LoadedConfig load(Map<String, String> environment, Map<String, String> systemProperties,
            Map<String, String> overrides, Set<String> channels, List<TransportProvider> providers) {
        return loadFrom(environment, systemProperties, overrides, Map.of(), channels, providers, List.of(), null);
    }

    private static LoadedConfig loadFrom(Map<String, String> environment, Map<String, String> systemProperties,
            Map<String, String> overrides, Map<String, String> defaults, Set<String> channels,
            List<TransportProvider> providers, List<Extension> extensions, Codec codec) {
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(systemProperties, "systemProperties");
        Objects.requireNonNull(overrides, "overrides");
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(providers, "providers");
        Map<String, String> env = withoutNulls(environment);
        Map<String, String> sys = withoutNulls(systemProperties);
        Map<String, String> code = withoutNulls(overrides);

        List<String> problems = new ArrayList<>();
        SortedSet<String> declared = new TreeSet<>();
        for (String channel : channels) {
            if (isChannelName(channel)) {
                declared.add(channel);
            } else {
                problems.add("Channel '" + channel + "' is not a valid channel name; "
                        + "use lowercase letters, digits and dashes like 'jedi-commands'");
            }
        }

        RawValues raw = new RawValues(env, sys, code, withoutNulls(defaults));
        TransportProvider provider = chooseProvider(raw.get("twelvefold.transport"), providers, problems);

        ValueValidator values = new ValueValidator(raw, problems);
        values.validate(declared);

        List<String> keyProblems = new ArrayList<>();
        checkExtensionNames(extensions, providers, problems);
        KnownSettings known = new KnownSettings(settings(declared, providers, extensions), keyProblems);
        UnknownKeys unknown = new UnknownKeys(known, declared, channelKeys(providers), absentTransports(providers),
                keyProblems);
        unknown.checkEnvironment(env);
        unknown.checkProperties(sys, "System property", "", false);
        unknown.checkProperties(code, "Property", " set in code", true);

        problems.addAll(keyProblems);

        Map<String, String> transportProperties = Map.of();
        Map<String, Map<String, String>> channelOptions = Map.of();
        if (provider != null) {
            transportProperties = transportProperties(transportPrefix(provider.name()), provider.configKeys(), env, sys,
                    code);
            Map<String, Map<String, String>> options = new LinkedHashMap<>();
            for (String channel : declared) {
                options.put(channel, transportProperties(channelTransportPrefix(channel, provider.name()),
                        provider.channelConfigKeys(), env, sys, code));
            }
            channelOptions = Collections.unmodifiableMap(options);
            try {
                provider.validate(new Settings(transportProperties, channelOptions));
            } catch (ConfigurationException e) {
                problems.addAll(e.problems());
            }
        }

        Map<String, Map<String, String>> extensionProperties = new LinkedHashMap<>();
        String appName = raw.get("twelvefold.name");
        for (Extension e : extensions) {
            Map<String, String> properties = transportProperties(transportPrefix(e.name()), e.configKeys(), env, sys,
                    code);
            extensionProperties.put(e.name(), properties);
            try {
                e.validate(new ExtensionSettings(appName == null ? "" : appName.strip(), properties, env, codec));
            } catch (ConfigurationException ce) {
                problems.addAll(ce.problems());
            }
        }

        if (!problems.isEmpty()) {
            throw new ConfigurationException(scrub(problems, secretValues(env, sys, code, known)));
        }
        return new LoadedConfig(resolve(raw, declared), provider, transportProperties, channelOptions,
                Collections.unmodifiableMap(extensionProperties));
    }

    /** Extension names: valid, unique, and none a transport's. */
    private static void checkExtensionNames(List<Extension> extensions, List<TransportProvider> providers,
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

    /** An extension's settings, for {@link Extension#validate} and its admin commands. */
    public record ExtensionSettings(String appName, Map<String, String> properties, Map<String, String> environment,
            Codec codec) implements ExtensionContext {
        /** Copies the maps. */
        public ExtensionSettings {
            properties = Map.copyOf(properties);
            environment = Map.copyOf(environment);
        }

        @Override
        public EventPublisher publisher() {
            throw new IllegalStateException("The app's publisher is available from Extension.start on, not while "
                    + "the settings are checked or an admin command runs");
        }
    }

    /** A transport's settings, for {@link TransportProvider#validate} and {@link TransportProvider#create}. */
    public record Settings(Map<String, String> properties, Map<String, Map<String, String>> channelOptions)
            implements TransportContext {
    }

    /** The keys relative to {@code twelvefold.channels.<channel>.}: the core's, then each provider's. */
    private static List<String> channelKeys(List<TransportProvider> providers) {
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
    private static Set<String> absentTransports(List<TransportProvider> providers) {
        Set<String> absent = new TreeSet<>(FIRST_PARTY_TRANSPORTS);
        for (TransportProvider p : providers) {
            absent.remove(p.name());
        }
        return absent;
    }

    /** The transports this project ships, whose settings the loader recognises even when their module is absent. */
    static final List<String> FIRST_PARTY_TRANSPORTS = List.of("inmemory", "kafka", "rabbitmq");

    /** The provider classes of the shipped transports, by name. */
    private static final Map<String, String> FIRST_PARTY_PROVIDERS = Map.of(
            "inmemory", "io.twelvefold.transport.inmemory.InMemoryTransportProvider",
            "kafka", "io.twelvefold.transport.kafka.KafkaTransportProvider",
            "rabbitmq", "io.twelvefold.transport.rabbitmq.RabbitMqTransportProvider");

    /**
     * When a shipped transport's classes are on the classpath but {@link java.util.ServiceLoader} did
     * not find it, its {@code META-INF/services} entry is missing: a fat jar built without merging
     * the service files. Says so, with the fix; empty otherwise.
     */
    private static String unregisteredHint(String name, boolean othersAvailable) {
        String providerClass = name == null ? null : FIRST_PARTY_PROVIDERS.get(name.strip());
        if (providerClass == null) {
            return "";
        }
        try {
            Class.forName(providerClass, false, ConfigLoader.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return othersAvailable ? "; add the module twelvefold-transport-" + name.strip() + " to the classpath" : "";
        }
        return ". Its classes are on the classpath but its entry in META-INF/services/"
                + "io.twelvefold.core.spi.TransportProvider is missing: when you build a fat jar, merge the "
                + "service files (maven-shade-plugin's ServicesResourceTransformer)";
    }

    /**
     * Reads every core key with its type, once the values are known to be valid. Like a MicroProfile
     * {@code Optional} property, an empty string means "not set".
     */
    private static TwelvefoldConfig resolve(RawValues raw, Set<String> channels) {
        Map<String, ChannelConfig> byName = new LinkedHashMap<>();
        for (String channel : channels) {
            String p = CoreKeys.channelPrefix(channel);
            byName.put(channel, new ResolvedConfig.Channel(
                    optional(raw.get(p + "destination")),
                    optional(raw.get(p + "group")),
                    raw.get(p + "format").strip().toLowerCase(Locale.ROOT),
                    optional(raw.get(p + "type")),
                    optional(raw.get(p + "source")),
                    integer(raw.get(p + "concurrency")),
                    integer(raw.get(p + "max-in-flight")),
                    integer(raw.get(p + "max-attempts")),
                    new ResolvedConfig.Backoff(
                            DurationConverter.parse(raw.get(p + "backoff.initial")),
                            DurationConverter.parse(raw.get(p + "backoff.max")),
                            number(raw.get(p + "backoff.multiplier")),
                            number(raw.get(p + "backoff.jitter"))),
                    new ResolvedConfig.Retry(optionalDuration(raw.get(p + "retry.broker-delay-from"))),
                    optional(raw.get(p + "dead-letter-destination")),
                    integer(raw.get(p + "max-payload-size")),
                    DurationConverter.parse(raw.get(p + "processing-timeout")),
                    DurationConverter.parse(raw.get(p + "inline-below"))));
        }
        return new ResolvedConfig(raw.get("twelvefold.transport").strip(), raw.get("twelvefold.name").strip(),
                DurationConverter.parse(raw.get("twelvefold.shutdown-timeout")),
                DurationConverter.parse(raw.get("twelvefold.start-timeout")),
                Boolean.parseBoolean(raw.get("twelvefold.warm-up").strip()), Collections.unmodifiableMap(byName),
                new ResolvedConfig.Metrics(Boolean.parseBoolean(raw.get("twelvefold.metrics.jvm").strip())));
    }

    private static Optional<String> optional(String value) {
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static Optional<Duration> optionalDuration(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(DurationConverter.parse(value));
    }

    private static int integer(String value) {
        return Integer.parseInt(value.strip());
    }

    private static double number(String value) {
        return Double.parseDouble(value.strip());
    }

    /**
     * Whether a name is a valid channel name: lowercase letters and digits in groups separated by
     * single dashes ({@code jedi-commands}), so that it maps to an environment variable and back.
     *
     * @param name the name, never null
     * @return true when valid
     */
    public static boolean isChannelName(String name) {
        if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(name.length() - 1) == '-') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean valid = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || (c == '-' && name.charAt(i - 1) != '-');
            if (!valid) {
                return false;
            }
        }
        return true;
    }

    /**
     * Every setting known for the given channels and providers: the core keys, each channel's keys
     * (channels sorted), then each provider's keys (providers sorted by name). This is what the
     * loader accepts and what the configuration manifest lists.
     *
     * @param channels the declared channel names, never null
     * @param providers the available providers, never null
     * @return an immutable list, never null
     */
    public static List<Setting> settings(Set<String> channels, List<TransportProvider> providers) {
        return settings(channels, providers, List.of());
    }

    /**
     * Every setting known for the given channels, providers and extensions: the core's, the
     * providers', then each extension's in registration order.
     *
     * @param channels the declared channel names, never null
     * @param providers the available providers, never null
     * @param extensions the app's extensions, never null
     * @return an immutable list, never null
     */
    public static List<Setting> settings(Set<String> channels, List<TransportProvider> providers,
            List<Extension> extensions) {
        List<Setting> settings = new ArrayList<>(providerSettings(channels, providers));
        for (Extension e : extensions) {
            for (ConfigKey key : e.configKeys()) {
                settings.add(Setting.of(transportPrefix(e.name()), key));
            }
        }
        return List.copyOf(settings);
    }

    private static List<Setting> providerSettings(Set<String> channels, List<TransportProvider> providers) {
        List<Setting> settings = new ArrayList<>(CoreKeys.settings(new TreeSet<>(channels)));
        Map<String, List<TransportProvider>> sorted = new TreeMap<>();
        for (TransportProvider p : providers) {
            List<TransportProvider> same = sorted.get(p.name());
            if (same == null) {
                same = new ArrayList<>(1);
                sorted.put(p.name(), same);
            }
            same.add(p);
        }
        for (List<TransportProvider> same : sorted.values()) {
            for (TransportProvider p : same) {
                for (ConfigKey key : p.configKeys()) {
                    settings.add(Setting.of(transportPrefix(p.name()), key));
                }
                for (String channel : new TreeSet<>(channels)) {
                    for (ConfigKey key : p.channelConfigKeys()) {
                        settings.add(Setting.of(channelTransportPrefix(channel, p.name()), key));
                    }
                }
            }
        }
        return List.copyOf(settings);
    }

    private static TransportProvider chooseProvider(String name, List<TransportProvider> providers,
            List<String> problems) {
        Map<String, List<TransportProvider>> byName = new TreeMap<>();
        for (TransportProvider p : providers) {
            List<TransportProvider> same = byName.get(p.name());
            if (same == null) {
                same = new ArrayList<>(1);
                byName.put(p.name(), same);
            }
            same.add(p);
        }
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

    /**
     * The values of a transport's keys under a prefix, with the prefix removed and defaults filled in.
     */
    private static Map<String, String> transportProperties(String prefix, List<ConfigKey> keys,
            Map<String, String> env, Map<String, String> sys, Map<String, String> code) {
        List<Setting> settings = new ArrayList<>();
        Map<String, String> result = new TreeMap<>();
        for (ConfigKey key : keys) {
            Setting setting = Setting.of(prefix, key);
            settings.add(setting);
            if (!setting.wildcard() && key.defaultValue() != null) {
                result.put(key.name(), key.defaultValue());
            }
        }
        // environment: the TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS form first, then literal keys as names
        Map<String, String> fromLiteralNames = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                fromLiteralNames.put(e.getKey(), e.getValue());
                continue;
            }
            String key = keyOfEnv(EnvNames.of(e.getKey()), settings);
            if (key != null) {
                putUnlessEmpty(result, key.substring(prefix.length()), e.getValue());
            }
        }
        for (Map<String, String> source : List.of(fromLiteralNames, sys, code)) {
            for (Map.Entry<String, String> e : new TreeMap<>(source).entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    putUnlessEmpty(result, e.getKey().substring(prefix.length()), e.getValue());
                }
            }
        }
        return Collections.unmodifiableMap(result);
    }

    /**
     * The key an environment variable sets among a transport's settings, or null. Under a
     * {@code .*} key the variable's rest becomes lowercase with dots, the form of native client
     * properties: {@code TWELVEFOLD_KAFKA_CLIENT_MAX_POLL_RECORDS} sets {@code client.max.poll.records}.
     */
    private static String keyOfEnv(String normalized, List<Setting> settings) {
        for (Setting s : settings) {
            if (!s.wildcard() && s.matchesEnv(normalized)) {
                return s.key();
            }
        }
        for (Setting s : settings) {
            if (s.wildcard() && s.matchesEnv(normalized)) {
                return s.keyPrefix()
                        + normalized.substring(s.envPrefix().length()).toLowerCase(Locale.ROOT).replace('_', '.');
            }
        }
        return null;
    }

    /** An empty value means "not set" in MicroProfile Config: the default stays. */
    private static void putUnlessEmpty(Map<String, String> result, String key, String value) {
        if (!value.isEmpty()) {
            result.put(key, value);
        }
    }

    private static String transportPrefix(String transport) {
        return "twelvefold." + transport + ".";
    }

    private static String channelTransportPrefix(String channel, String transport) {
        return CoreKeys.channelPrefix(channel) + transport + ".";
    }

    /** The values of secret variables and properties, which no message may contain. */
    private static Set<String> secretValues(Map<String, String> env, Map<String, String> sys, Map<String, String> code,
            KnownSettings known) {
        Set<String> secrets = new HashSet<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            Setting s = known.forEnv(EnvNames.of(e.getKey()));
            if (Setting.isSecretName(e.getKey()) || (s != null && s.secret())) {
                secrets.add(e.getValue());
            }
        }
        for (Map<String, String> source : List.of(sys, code)) {
            for (Map.Entry<String, String> e : source.entrySet()) {
                Setting s = known.forKey(e.getKey());
                if (Setting.isSecretName(e.getKey()) || (s != null && s.secret())) {
                    secrets.add(e.getValue());
                }
            }
        }
        return secrets;
    }

    /** Messages never show a secret value; this is the last line of defence for that. */
    private static List<String> scrub(List<String> problems, Set<String> secrets) {
        List<String> scrubbed = new ArrayList<>(problems.size());
        for (String problem : problems) {
            String line = problem;
            for (String secret : secrets) {
                if (secret.length() >= SCRUB_MIN_LENGTH) {
                    line = line.replace(secret, "<redacted>");
                }
            }
            scrubbed.add(line);
        }
        return scrubbed;
    }

    private static Map<String, String> systemProperties() {
        Map<String, String> result = new HashMap<>();
        Properties properties = System.getProperties();
        for (String name : properties.stringPropertyNames()) {
            result.put(name, properties.getProperty(name));
        }
        return result;
    }

    private static Map<String, String> withoutNulls(Map<String, String> map) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (e.getKey() != null && e.getValue() != null) {
                copy.put(e.getKey(), e.getValue());
            }
        }
        return copy;
    }

    /**
     * A config source over a map. SmallRye's {@code PropertiesConfigSource} would do, but it
     * formats its name with {@code String.format}, whose first call costs several ms of class
     * loading on the start path.
     */
    private static final class MapSource implements ConfigSource {
        private final Map<String, String> values;
        private final String name;
        private final int ordinal;

        MapSource(Map<String, String> values, String name, int ordinal) {
            this.values = values;
            this.name = name;
            this.ordinal = ordinal;
        }

        @Override
        public Set<String> getPropertyNames() {
            return values.keySet();
        }

        @Override
        public String getValue(String propertyName) {
            return values.get(propertyName);
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public int getOrdinal() {
            return ordinal;
        }
    }

    /**
     * The raw value of a core key before conversion: the value of the highest-ordinal MicroProfile
     * config source that has the key, else the key's default.
     */
    private static final class RawValues implements java.util.function.Function<String, String> {
        private final List<ConfigSource> sources;

        RawValues(Map<String, String> env, Map<String, String> sys, Map<String, String> code,
                Map<String, String> defaults) {
            this.sources = List.of(
                    new MapSource(code, "overrides", OVERRIDES_ORDINAL),
                    new MapSource(sys, "system properties", SYSTEM_PROPERTIES_ORDINAL),
                    new EnvConfigSource(env, ENVIRONMENT_ORDINAL),
                    new MapSource(defaults, "defaults in code", CODE_DEFAULTS_ORDINAL));
        }

        @Override
        public String apply(String key) {
            return get(key);
        }

        /** The value of the highest-priority source, else the key's default (null when none). */
        String get(String key) {
            for (ConfigSource source : sources) {
                String value = source.getValue(key);
                if (value != null) {
                    return value;
                }
            }
            if (key.startsWith("twelvefold.channels.")) {
                String rest = key.substring("twelvefold.channels.".length());
                return CoreKeys.defaultOf(CoreKeys.CHANNEL, rest.substring(rest.indexOf('.') + 1));
            }
            return CoreKeys.defaultOf(CoreKeys.GLOBAL, key.substring("twelvefold.".length()));
        }
    }
}
