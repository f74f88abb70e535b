package io.twelvefold.core.spi;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * What a module adds to an app besides processors: a backing service (a database and its outbox
 * relay, say), with its settings, its place in the app's lifecycle, its share of the health and
 * its one-off admin commands. An app gets an extension in code:
 * {@code App.builder().extension(extension)}.
 *
 * <p>In the lifecycle, an extension is validated with every other setting before anything starts
 * ({@link #validate}); started once the transport is connected and every subscription is open,
 * before the start hooks and READY ({@link #start}); stopped in the shutdown order after the
 * in-flight events finished and were acknowledged and the groups were left, before the publishers
 * are flushed ({@link #stop}). Extensions start in registration order and stop in reverse order.
 *
 * <p>Implementations are thread-safe: {@link #health()} is called on an HTTP thread at any time.
 */
public interface Extension {

    /**
     * The extension's name: lowercase letters and digits; its settings live under
     * {@code twelvefold.<name>.} ({@code TWELVEFOLD_<NAME>_...}). Unique among an app's extensions
     * and different from every transport's name.
     *
     * @return the name, never null
     */
    String name();

    /**
     * The settings this extension reads, relative to {@code twelvefold.<name>.}: validated with the
     * app's others (an unknown {@code TWELVEFOLD_<NAME>_*} variable is an error) and listed in the
     * configuration manifest.
     *
     * @return the keys, never null
     */
    default List<ConfigKey> configKeys() {
        return List.of();
    }

    /**
     * Environment variables outside {@code TWELVEFOLD_*} this extension reads (such as
     * {@code DATABASE_URL}): each {@link ConfigKey#name()} is the variable's literal name. They are
     * listed in the configuration manifest (a secret one redacted, a URI's user info always); the
     * extension validates them in {@link #validate}.
     *
     * @return the variables, never null
     */
    default List<ConfigKey> environmentVariables() {
        return List.of();
    }

    /**
     * Checks the extension's settings (and any other variable it reads, such as
     * {@code DATABASE_URL}) without connecting to anything. Called before anything starts and by
     * {@code --print-config}; its problems are reported with every other one.
     *
     * @param context the settings, never null
     * @throws io.twelvefold.core.ConfigurationException listing every problem, each naming the key or
     *     variable to fix (secrets redacted)
     */
    default void validate(ExtensionContext context) {
    }

    /**
     * Starts the extension: the transport is connected, every subscription is open, and
     * {@link ExtensionContext#publisher()} can publish. Called once, on the starting thread.
     *
     * @param context the settings and the app's publisher, never null
     * @throws io.twelvefold.core.TransportException when a backing service cannot be reached (the start
     *     fails and the app stops)
     */
    default void start(ExtensionContext context) {
    }

    /**
     * Registers the extension's meters; called once, after the app turned READY, like
     * {@link Transport#onReady(MeterRegistry)}.
     *
     * @param registry the app's registry, never null
     */
    default void onReady(MeterRegistry registry) {
    }

    /**
     * The extension's share of {@code /health/ready}: the app is ready only while every
     * extension's health is UP. Called often, on an HTTP thread: read state, never block.
     *
     * @return the health, never null
     */
    default ExtensionHealth health() {
        return ExtensionHealth.UP;
    }

    /**
     * Stops what {@link #start} started; called once, in the shutdown order (see above), also when the
     * start failed after this extension started. Must not throw.
     */
    default void stop() {
    }

    /**
     * One-off admin commands the app's {@code main} runs (12-factor XII): {@code java -jar app.jar
     * <name>} or {@code --<name>}, with the same settings as the app, without starting it.
     *
     * @return the commands, never null
     */
    default List<AdminCommand> commands() {
        return List.of();
    }
}
