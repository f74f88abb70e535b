package io.twelvefold.core.internal.config;

import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.spi.ConfigKey;
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
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Loads and validates the configuration of a Twelvefold process: from code overrides (ordinal 500),
 * system properties (400), the environment (300) and defaults, mapped to {@link TwelvefoldConfig}
 * by one SmallRye Config instance. Every problem found (bad values, unknown {@code TWELVEFOLD_*}
 * variables or {@code twelvefold.*} keys, an unavailable transport) is collected into one
 * {@link ConfigurationException}, one line per problem, each naming the key and the environment
 * variable to set; secret values never appear.
 *
 * <p>Stateless and thread-safe; each call builds its own SmallRye Config (about 150 ms the first
 * time in a JVM), so call it once at startup.
 */
public final class ConfigLoader {

    static final int OVERRIDES_ORDINAL = 500;
    static final int SYSTEM_PROPERTIES_ORDINAL = 400;
    static final int ENVIRONMENT_ORDINAL = 300;
    /** Below every real source: these values only make each channel's keys known to SmallRye. */
    static final int CHANNEL_DEFAULTS_ORDINAL = Integer.MIN_VALUE + 1;

    private static final Pattern CHANNEL_NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Pattern PROPERTY_IN_MESSAGE = Pattern.compile("twelvefold\\.[A-Za-z0-9_.\"*-]*[A-Za-z0-9\"*]");
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
        return load(environment, systemProperties(), overrides, channels, providers);
    }

    /** Like {@link #load(Map, Map, Set, List)} with given system properties, for tests. */
    static LoadedConfig load(Map<String, String> environment, Map<String, String> systemProperties,
            Map<String, String> overrides, Set<String> channels, List<TransportProvider> providers) {
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
            if (CHANNEL_NAME.matcher(channel).matches()) {
                declared.add(channel);
            } else {
                problems.add("Channel '" + channel + "' is not a valid channel name; "
                        + "use lowercase letters, digits and dashes like 'jedi-commands'");
            }
        }

        RawValues raw = new RawValues(env, sys, code);
        TransportProvider provider = chooseProvider(raw.get("twelvefold.transport"), providers, problems);

        ValueValidator values = new ValueValidator(raw::get, problems);
        values.validate(declared);

        List<String> keyProblems = new ArrayList<>();
        KnownSettings known = new KnownSettings(settings(declared, providers), keyProblems);
        UnknownKeys unknown = new UnknownKeys(known, declared, keyProblems);
        unknown.checkEnvironment(env);
        unknown.checkProperties(sys, "System property", "", false);
        unknown.checkProperties(code, "Property", " set in code", true);

        TwelvefoldConfig config = null;
        try {
            config = build(env, sys, code, declared).getConfigMapping(TwelvefoldConfig.class);
        } catch (ConfigValidationException e) {
            translate(e, values.badKeys(), known, problems);
        }
        problems.addAll(keyProblems);

        if (!problems.isEmpty()) {
            throw new ConfigurationException(scrub(problems, secretValues(env, sys, code, known)));
        }
        return new LoadedConfig(config, provider, transportProperties(provider, env, sys, code));
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
        List<Setting> settings = new ArrayList<>(CoreKeys.settings(new TreeSet<>(channels)));
        List<TransportProvider> sorted = new ArrayList<>(providers);
        sorted.sort((a, b) -> a.name().compareTo(b.name()));
        for (TransportProvider p : sorted) {
            for (ConfigKey key : p.configKeys()) {
                settings.add(Setting.of(transportPrefix(p.name()), key));
            }
        }
        return List.copyOf(settings);
    }

    private static SmallRyeConfig build(Map<String, String> env, Map<String, String> sys, Map<String, String> code,
            Set<String> channels) {
        // An env var for a multi-word map key (jedi-commands) is only matched when another source
        // names a key of that channel; register each declared channel's defaulted keys for that.
        Map<String, String> channelDefaults = new HashMap<>();
        for (String channel : channels) {
            for (ConfigKey key : CoreKeys.CHANNEL) {
                if (key.defaultValue() != null) {
                    channelDefaults.put(CoreKeys.channelPrefix(channel) + key.name(), key.defaultValue());
                }
            }
        }
        return new SmallRyeConfigBuilder()
                .withMapping(TwelvefoldConfig.class)
                // transport keys (twelvefold.kafka.*) are not in the mapping; UnknownKeys checks instead
                .withValidateUnknown(false)
                .withConverter(Duration.class, 1000, new DurationConverter())
                .withSources(
                        new PropertiesConfigSource(code, "Twelvefold overrides set in code", OVERRIDES_ORDINAL),
                        new PropertiesConfigSource(sys, "system properties", SYSTEM_PROPERTIES_ORDINAL),
                        new EnvConfigSource(env, ENVIRONMENT_ORDINAL),
                        new PropertiesConfigSource(channelDefaults, "Twelvefold channel defaults",
                                CHANNEL_DEFAULTS_ORDINAL))
                .build();
    }

    private static TransportProvider chooseProvider(String name, List<TransportProvider> providers,
            List<String> problems) {
        Map<String, List<TransportProvider>> byName = new TreeMap<>();
        for (TransportProvider p : providers) {
            byName.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
        }
        for (Map.Entry<String, List<TransportProvider>> e : byName.entrySet()) {
            if (e.getValue().size() > 1) {
                problems.add("Transport '" + e.getKey() + "' is provided by more than one module: "
                        + e.getValue().stream().map(p -> p.getClass().getName()).collect(Collectors.toList())
                        + "; keep only one of them on the classpath");
            }
        }
        List<TransportProvider> named = byName.get(name);
        if (named != null) {
            return named.get(0);
        }
        problems.add("Transport '" + name + "' is not available (twelvefold.transport / TWELVEFOLD_TRANSPORT). Available: "
                + (byName.isEmpty()
                        ? "none; add a transport module such as twelvefold-transport-inmemory to the classpath"
                        : byName.keySet().toString()));
        return null;
    }

    /** Adds SmallRye's problems that validation has not already reported. */
    private static void translate(ConfigValidationException e, Set<String> reported, KnownSettings known,
            List<String> problems) {
        for (int i = 0; i < e.getProblemCount(); i++) {
            String message = e.getProblem(i).getMessage();
            Matcher m = PROPERTY_IN_MESSAGE.matcher(message);
            if (!m.find()) {
                problems.add(message);
                continue;
            }
            String key = m.group();
            Setting setting = known.forKey(key);
            // about an unknown key (an undeclared channel): UnknownKeys reports the key itself
            if (setting == null || reported.contains(key)) {
                continue;
            }
            problems.add(key + " (" + setting.envVar() + ") is invalid: " + message);
        }
    }

    private static Map<String, String> transportProperties(TransportProvider provider, Map<String, String> env,
            Map<String, String> sys, Map<String, String> code) {
        String prefix = transportPrefix(provider.name());
        List<Setting> settings = new ArrayList<>();
        Map<String, String> result = new TreeMap<>();
        for (ConfigKey key : provider.configKeys()) {
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
        map.forEach((k, v) -> {
            if (k != null && v != null) {
                copy.put(k, v);
            }
        });
        return copy;
    }

    /** The raw value of a core key as SmallRye would see it, before conversion. */
    private static final class RawValues {
        private final List<ConfigSource> sources;

        RawValues(Map<String, String> env, Map<String, String> sys, Map<String, String> code) {
            this.sources = List.of(
                    new PropertiesConfigSource(code, "overrides", OVERRIDES_ORDINAL),
                    new PropertiesConfigSource(sys, "system properties", SYSTEM_PROPERTIES_ORDINAL),
                    new EnvConfigSource(env, ENVIRONMENT_ORDINAL));
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
