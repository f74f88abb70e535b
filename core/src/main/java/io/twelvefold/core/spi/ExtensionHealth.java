package io.twelvefold.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * An extension's share of the app's readiness, shown as one check of {@code /health/ready}.
 *
 * @param up whether the app may receive work as far as this extension is concerned
 * @param data what the check shows (a backlog, a lag, why it is down), immutable, never null
 */
public record ExtensionHealth(boolean up, Map<String, Object> data) {
    /** UP, with nothing to show. */
    public static final ExtensionHealth UP = new ExtensionHealth(true, Map.of());

    /** Validates the components and copies the data. */
    public ExtensionHealth {
        data = Map.copyOf(Objects.requireNonNull(data, "data"));
    }
}
