package io.twelvefold.core.internal.config;

import io.twelvefold.core.spi.TransportProvider;
import java.util.ArrayList;
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
        Map<String, String> sys = new TreeMap<>();
        System.getProperties().forEach((k, v) -> sys.put(String.valueOf(k), String.valueOf(v)));
        StringBuilder out = new StringBuilder();
        out.append("| key | environment variable | type | default | value | source |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (Setting s : ConfigLoader.settings(channels, providers)) {
            if (s.wildcard()) {
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
                continue;
            }
            String value;
            String source;
            if (overrides.containsKey(s.key())) {
                value = overrides.get(s.key());
                source = "code";
            } else if (sys.containsKey(s.key())) {
                value = sys.get(s.key());
                source = "system property";
            } else if (environment.containsKey(s.envVar())) {
                value = environment.get(s.envVar());
                source = "environment";
            } else {
                value = s.defaultValue();
                source = value == null ? "" : "default";
            }
            row(out, s.key(), s.envVar(), s.type(), s.defaultValue(), value, source, s.secret());
        }
        return out.toString();
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
