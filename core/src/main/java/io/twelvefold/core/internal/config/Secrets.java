package io.twelvefold.core.internal.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Secret values, which no message may contain. */
final class Secrets {

    /** Secret values shorter than this are not scrubbed from messages (they would mangle them). */
    private static final int SCRUB_MIN_LENGTH = 4;

    private Secrets() {
    }

    /** The values of secret variables and properties, which no message may contain. */
    static Set<String> secretValues(Map<String, String> env, Map<String, String> sys, Map<String, String> code,
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
    static List<String> scrub(List<String> problems, Set<String> secrets) {
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
}
