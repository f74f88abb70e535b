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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
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
        Map<String, String> env = RawValues.withoutNulls(environment);
        Map<String, String> sys = RawValues.withoutNulls(systemProperties);
        Map<String, String> code = RawValues.withoutNulls(overrides);

        List<String> problems = new ArrayList<>();
        SortedSet<String> declared = declaredChannels(channels, problems);
        RawValues raw = new RawValues(env, sys, code, RawValues.withoutNulls(defaults));
        TransportProvider provider = Providers.chooseProvider(raw.get("twelvefold.transport"), providers, problems);
        new ValueValidator(raw, problems).validate(declared);
        Providers.checkExtensionNames(extensions, providers, problems);
        KnownSettings known = checkKeys(env, sys, code, declared, providers, extensions, problems);
        Settings transport = provider == null ? new Settings(Map.of(), Map.of())
                : transportSettings(provider, declared, env, sys, code, problems);
        String appName = raw.get("twelvefold.name");
        Map<String, Map<String, String>> extensionProperties = extensionSettings(extensions,
                appName == null ? "" : appName.strip(), env, sys, code, codec, problems);

        if (!problems.isEmpty()) {
            throw new ConfigurationException(Secrets.scrub(problems, Secrets.secretValues(env, sys, code, known)));
        }
        return new LoadedConfig(resolve(raw, declared), provider, transport.properties(), transport.channelOptions(),
                Collections.unmodifiableMap(extensionProperties));
    }

    /** The declared channels whose names are valid; a problem for each other one. */
    private static SortedSet<String> declaredChannels(Set<String> channels, List<String> problems) {
        SortedSet<String> declared = new TreeSet<>();
        for (String channel : channels) {
            if (isChannelName(channel)) {
                declared.add(channel);
            } else {
                problems.add("Channel '" + channel + "' is not a valid channel name; "
                        + "use lowercase letters, digits and dashes like 'jedi-commands'");
            }
        }
        return declared;
    }

    /** Reports every unknown key or variable of the three sources; returns the known settings. */
    private static KnownSettings checkKeys(Map<String, String> env, Map<String, String> sys, Map<String, String> code,
            SortedSet<String> declared, List<TransportProvider> providers, List<Extension> extensions, List<String> problems) {
        List<String> keyProblems = new ArrayList<>();
        KnownSettings known = new KnownSettings(settings(declared, providers, extensions), keyProblems);
        UnknownKeys unknown = new UnknownKeys(known, declared, Providers.channelKeys(providers),
                Providers.absentTransports(providers), keyProblems);
        unknown.checkEnvironment(env);
        unknown.checkProperties(sys, "System property", "", false);
        unknown.checkProperties(code, "Property", " set in code", true);
        problems.addAll(keyProblems);
        return known;
    }

    /** The chosen transport's settings and each channel's options, checked by its provider. */
    private static Settings transportSettings(TransportProvider provider, Set<String> declared,
            Map<String, String> env, Map<String, String> sys, Map<String, String> code, List<String> problems) {
        Map<String, String> properties = PrefixedProperties.of(PrefixedProperties.prefix(provider.name()),
                provider.configKeys(), env, sys, code);
        Map<String, Map<String, String>> options = new LinkedHashMap<>();
        for (String channel : declared) {
            options.put(channel, PrefixedProperties.of(PrefixedProperties.channelPrefix(channel, provider.name()),
                    provider.channelConfigKeys(), env, sys, code));
        }
        Settings settings = new Settings(properties, Collections.unmodifiableMap(options));
        try {
            provider.validate(settings);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        return settings;
    }

    /** Each extension's settings, checked by the extension. */
    private static Map<String, Map<String, String>> extensionSettings(List<Extension> extensions, String appName,
            Map<String, String> env, Map<String, String> sys, Map<String, String> code, Codec codec,
            List<String> problems) {
        Map<String, Map<String, String>> extensionProperties = new LinkedHashMap<>();
        for (Extension e : extensions) {
            Map<String, String> properties = PrefixedProperties.of(PrefixedProperties.prefix(e.name()), e.configKeys(),
                    env, sys, code);
            extensionProperties.put(e.name(), properties);
            try {
                e.validate(new ExtensionSettings(appName, properties, env, codec));
            } catch (ConfigurationException ce) {
                problems.addAll(ce.problems());
            }
        }
        return extensionProperties;
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
                settings.add(Setting.of(PrefixedProperties.prefix(e.name()), key));
            }
        }
        return List.copyOf(settings);
    }

    private static List<Setting> providerSettings(Set<String> channels, List<TransportProvider> providers) {
        List<Setting> settings = new ArrayList<>(CoreKeys.settings(new TreeSet<>(channels)));
        for (List<TransportProvider> same : Providers.byName(providers).values()) {
            for (TransportProvider p : same) {
                for (ConfigKey key : p.configKeys()) {
                    settings.add(Setting.of(PrefixedProperties.prefix(p.name()), key));
                }
                for (String channel : new TreeSet<>(channels)) {
                    for (ConfigKey key : p.channelConfigKeys()) {
                        settings.add(Setting.of(PrefixedProperties.channelPrefix(channel, p.name()), key));
                    }
                }
            }
        }
        return List.copyOf(settings);
    }

    private static Map<String, String> systemProperties() {
        Map<String, String> result = new HashMap<>();
        Properties properties = System.getProperties();
        for (String name : properties.stringPropertyNames()) {
            result.put(name, properties.getProperty(name));
        }
        return result;
    }

}
