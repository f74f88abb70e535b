package io.twelvefold.core.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.WithDefault;
import io.twelvefold.core.config.ChannelConfig;
import io.twelvefold.core.config.TwelvefoldConfig;
import io.twelvefold.core.spi.ConfigKey;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** CoreKeys is written by hand for its descriptions; this keeps it in line with the mapping. */
class CoreKeysTest {

    @Test
    void globalKeysMatchTheMapping() {
        assertThat(describe(CoreKeys.GLOBAL)).containsExactlyInAnyOrderElementsOf(keysOf(TwelvefoldConfig.class, ""));
    }

    @Test
    void channelKeysMatchTheMapping() {
        assertThat(describe(CoreKeys.CHANNEL)).containsExactlyInAnyOrderElementsOf(keysOf(ChannelConfig.class, ""));
    }

    @Test
    void settingsSpellOutKeysAndEnvironmentVariables() {
        List<Setting> settings = CoreKeys.settings(List.of("jedi-commands"));

        assertThat(settings).hasSize(CoreKeys.GLOBAL.size() + CoreKeys.CHANNEL.size());
        assertThat(settings.get(2)).isEqualTo(new Setting("twelvefold.shutdown-timeout",
                "TWELVEFOLD_SHUTDOWN_TIMEOUT", "duration", "30s", false,
                "How long a graceful stop waits for in-flight events."));
        assertThat(settings).extracting(Setting::envVar)
                .contains("TWELVEFOLD_CHANNELS_JEDI_COMMANDS_MAX_ATTEMPTS", "TWELVEFOLD_CHANNELS_JEDI_COMMANDS_BACKOFF_JITTER");
    }

    /** "name type default" per key, from the annotations of a mapping interface. */
    private static List<String> keysOf(Class<?> mapping, String prefix) {
        List<String> keys = new ArrayList<>();
        for (Method m : mapping.getDeclaredMethods()) {
            if (m.isSynthetic() || m.isDefault() || m.getReturnType() == Map.class) {
                continue;
            }
            String name = prefix + kebab(m.getName());
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() == mapping) {
                keys.addAll(keysOf(type, name + "."));
                continue;
            }
            WithDefault withDefault = m.getAnnotation(WithDefault.class);
            keys.add(name + " " + typeName(m) + " " + (withDefault == null ? null : withDefault.value()));
        }
        return keys;
    }

    private static List<String> describe(List<ConfigKey> keys) {
        return keys.stream().map(k -> k.name() + " " + k.type() + " " + k.defaultValue()).toList();
    }

    private static String typeName(Method m) {
        Class<?> type = m.getReturnType();
        if (type == Optional.class) {
            Type element = ((ParameterizedType) m.getGenericReturnType()).getActualTypeArguments()[0];
            type = (Class<?>) element;
        }
        if (type == int.class) {
            return "int";
        }
        if (type == double.class) {
            return "double";
        }
        if (type == Duration.class) {
            return "duration";
        }
        if (type == String.class) {
            return "string";
        }
        if (type == boolean.class) {
            return "boolean";
        }
        throw new AssertionError("no manifest type for " + type + "; extend CoreKeys and this test");
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
