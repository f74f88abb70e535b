package io.twelvefold.core.internal.config;

import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The configuration manifest: every key, its environment variable, type, default, current value
 * (secrets redacted) and where the value comes from, as a Markdown table that reads well in a
 * terminal and can be pasted into docs. Printed by {@code --print-config}.
 */
public final class Manifest {
    /** What replaces a secret value. */
    public static final String REDACTED = "<redacted>";
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@");

    private Manifest() {
    }

    /**
     * Renders the manifest without validating anything (it is for finding out what is wrong, too).
     *
     * @param environment the environment variables
     * @param overrides the properties set in code
     * @param channels the declared channels
     * @param providers the available transports
     * @return the Markdown table, ending with a newline
     */
    public static String render(Map<String, String> environment, Map<String, String> overrides, Set<String> channels,
            List<TransportProvider> providers) {
        return render(environment, overrides, null, channels, providers);
    }

    /**
     * Renders the manifest without validating anything: every setting with the value the app would
     * use (a value derived from another setting, such as a channel's destination, shown with the
     * source {@code derived}), then {@code PORT}.
     *
     * @param environment the environment variables
     * @param overrides the properties set in code
     * @param name the default of {@code twelvefold.name} declared in code, or null
     * @param channels the declared channels
     * @param providers the available transports
     * @return the Markdown table, ending with a newline
     */
    public static String render(Map<String, String> environment, Map<String, String> overrides, String name,
            Set<String> channels, List<TransportProvider> providers) {
        return render(environment, overrides, name, channels, providers, List.of());
    }

    /**
     * Renders the manifest of an app with extensions (their settings after the transports').
     *
     * @param environment the environment variables
     * @param overrides the properties set in code
     * @param name the default of {@code twelvefold.name} declared in code, or null
     * @param channels the declared channels
     * @param providers the available transports
     * @param extensions the app's extensions
     * @return the Markdown table, ending with a newline
     */
    public static String render(Map<String, String> environment, Map<String, String> overrides, String name,
            Set<String> channels, List<TransportProvider> providers, List<Extension> extensions) {
        Map<String, String> sys = new TreeMap<>();
        System.getProperties().forEach((k, v) -> sys.put(String.valueOf(k), String.valueOf(v)));
        Map<String, String> codeDefaults = name == null ? Map.of() : Map.of("twelvefold.name", name);
        Map<String, String[]> effective = new HashMap<>();
        StringBuilder out = new StringBuilder();
        out.append("| key | environment variable | type | default | value | source |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (Setting s : ConfigLoader.settings(channels, providers, extensions)) {
            if (s.wildcard()) {
                wildcardRows(out, s, environment, overrides);
                continue;
            }
            String[] vs = valueAndSource(s, environment, sys, overrides, codeDefaults);
            if (vs[0] == null) {
                vs = derived(s.key(), effective);
            }
            effective.put(s.key(), vs);
            row(out, s.key(), s.envVar(), s.type(), s.defaultValue(), vs[0], vs[1], s.secret());
        }
        for (Extension e : extensions) {
            for (ConfigKey v : e.environmentVariables()) {
                String value = environment.get(v.name());
                boolean set = value != null && !value.isBlank();
                row(out, "", v.name(), v.type(), v.defaultValue(), set ? value : v.defaultValue(),
                        set ? "environment" : v.defaultValue() == null ? "" : "default", v.secret());
            }
        }
        String port = environment.get("PORT");
        row(out, "", "PORT", "int", null, port == null || port.isBlank() ? "off" : port,
                port == null || port.isBlank() ? "default" : "environment", false);
        return out.toString();
    }

    private static String[] valueAndSource(Setting s, Map<String, String> environment, Map<String, String> sys,
            Map<String, String> overrides, Map<String, String> codeDefaults) {
        if (overrides.containsKey(s.key())) {
            return new String[] {overrides.get(s.key()), "code"};
        } else if (sys.containsKey(s.key())) {
            return new String[] {sys.get(s.key()), "system property"};
        } else if (environment.containsKey(s.envVar())) {
            return new String[] {environment.get(s.envVar()), "environment"};
        } else if (codeDefaults.containsKey(s.key())) {
            return new String[] {codeDefaults.get(s.key()), "code default"};
        }
        return new String[] {s.defaultValue(), s.defaultValue() == null ? "" : "default"};
    }

    /**
     * The value of a key whose default depends on another key's value (rows come in manifest order,
     * so that one is known): a channel's destination, group, dead-letter destination and source.
     */
    private static String[] derived(String key, Map<String, String[]> effective) {
        String name = effective.containsKey("twelvefold.name") ? effective.get("twelvefold.name")[0] : null;
        if (key.startsWith("twelvefold.channels.")) {
            String rest = key.substring("twelvefold.channels.".length());
            int dot = rest.indexOf('.');
            String channel = rest.substring(0, dot);
            String prefix = CoreKeys.channelPrefix(channel);
            switch (rest.substring(dot + 1)) {
                case "destination":
                    return new String[] {channel, "derived"};
                case "group":
                    return new String[] {name, "derived"};
                case "dead-letter-destination":
                    String[] destination = effective.get(prefix + "destination");
                    if (destination == null || destination[0] == null) {
                        return new String[] {null, "derived"};
                    }
                    String dlq = ChannelSettings.deadLetterDestination(destination[0], null);
                    return new String[] {dlq == null ? ChannelSettings.NO_DEAD_LETTERS + " (terminal)" : dlq, "derived"};
                case "source":
                    return new String[] {"/" + name, "derived"};
                default:
                    break;
            }
        }
        return new String[] {null, ""};
    }

    private static void wildcardRows(StringBuilder out, Setting s, Map<String, String> environment,
            Map<String, String> overrides) {
        String prefix = s.key().substring(0, s.key().length() - 1);
        String envPrefix = s.envVar().substring(0, s.envVar().length() - 1);
        List<String[]> found = new ArrayList<>();
        new TreeMap<>(environment).forEach((k, v) -> {
            if (k.startsWith(envPrefix)) {
                found.add(new String[] {k, v, "environment"});
            }
        });
        new TreeMap<>(overrides).forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                found.add(new String[] {k, v, "code"});
            }
        });
        row(out, s.key(), s.envVar(), s.type(), null, found.isEmpty() ? null : "see below", "", s.secret());
        for (String[] f : found) {
            row(out, f[2].equals("code") ? f[0] : "", f[2].equals("code") ? "" : f[0], s.type(), null, f[1],
                    f[2], s.secret() || Setting.isSecretName(f[0]));
        }
    }

    /**
     * Hides what must never be shown: the whole value of a secret, the user info of a URI.
     *
     * @param value the value, may be null
     * @param secret whether the key holds a secret
     * @return the value to show, may be null
     */
    public static String redact(String value, boolean secret) {
        if (value == null) {
            return null;
        }
        if (secret) {
            // a secret URI (a broker address with credentials) shows where it points, not who logs in
            if (USER_INFO.matcher(value).find()) {
                int query = value.indexOf('?');
                return USER_INFO.matcher(query < 0 ? value : value.substring(0, query)).replaceFirst("$1" + REDACTED + "@")
                        + (query < 0 ? "" : "?" + REDACTED);
            }
            return REDACTED;
        }
        return USER_INFO.matcher(value).replaceFirst("$1" + REDACTED + "@");
    }

    private static void row(StringBuilder out, String key, String env, String type, String def, String value,
            String source, boolean secret) {
        out.append("| ").append(code(key)).append(" | ").append(code(env)).append(" | ").append(type).append(" | ")
                .append(code(redact(def, secret))).append(" | ").append(code(redact(value, secret))).append(" | ")
                .append(source).append(" |\n");
    }

    private static String code(String s) {
        return s == null || s.isEmpty() ? "" : "`" + s.replace("|", "\\|").replace("`", "'") + "`";
    }
}
