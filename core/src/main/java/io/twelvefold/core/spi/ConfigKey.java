package io.twelvefold.core.spi;

import java.util.Objects;

/**
 * A configuration key a transport reads, for validation and the configuration manifest.
 *
 * @param name the key relative to {@code twelvefold.<transport>.}, kebab-case; a trailing
 *     {@code .*} accepts any suffix
 * @param type a short type name for the manifest ({@code string}, {@code int}, {@code duration}, {@code boolean})
 * @param defaultValue the default, or null when there is none
 * @param secret whether the value must be redacted in every dump
 * @param description one sentence for the manifest
 */
public record ConfigKey(String name, String type, String defaultValue, boolean secret, String description) {
    /** Validates the components. */
    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
    }
}
