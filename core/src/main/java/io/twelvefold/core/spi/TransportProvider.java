package io.twelvefold.core.spi;

/**
 * The entry point of a transport, found with {@link java.util.ServiceLoader} under
 * {@code META-INF/services/io.twelvefold.core.spi.TransportProvider}.
 *
 * <p>The runtime picks the provider whose {@link #name()} equals {@code twelvefold.transport}
 * ({@code TWELVEFOLD_TRANSPORT}); two providers with the same name are rejected. Implementations
 * need a public no-argument constructor and must be cheap to instantiate: connect in
 * {@link #create}, not in the constructor.
 */
public interface TransportProvider {

    /**
     * The transport's name, as users write it in {@code TWELVEFOLD_TRANSPORT}: lowercase letters
     * and digits ({@code inmemory}, {@code kafka}, {@code rabbitmq}). Its configuration lives under
     * {@code twelvefold.<name>.}.
     *
     * @return the name, never null
     */
    String name();

    /**
     * The configuration keys this transport reads, relative to {@code twelvefold.<name>.}, so the
     * runtime can reject unknown keys and print the configuration manifest. A key ending in
     * {@code .*} accepts any suffix (a pass-through of native client properties).
     *
     * @return the keys, never null
     */
    default java.util.List<ConfigKey> configKeys() {
        return java.util.List.of();
    }

    /**
     * Creates a transport: validates the configuration, then connects.
     *
     * @param context the configuration and services of the runtime, never null
     * @return a new transport, never null
     * @throws io.twelvefold.core.ConfigurationException when its configuration is invalid
     * @throws io.twelvefold.core.TransportException when the broker cannot be reached
     */
    Transport create(TransportContext context);
}
