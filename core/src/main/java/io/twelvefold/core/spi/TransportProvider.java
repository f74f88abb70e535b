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
     * The per-channel configuration keys this transport reads, relative to
     * {@code twelvefold.channels.<channel>.<name>.} (for example {@code queue} for
     * {@code twelvefold.channels.orders.rabbitmq.queue}, {@code TWELVEFOLD_CHANNELS_ORDERS_RABBITMQ_QUEUE}):
     * validated, listed in the manifest for each declared channel, and handed to the transport
     * with each {@link SubscriptionRequest} and {@link PublisherRequest}.
     *
     * @return the keys, never null
     */
    default java.util.List<ConfigKey> channelConfigKeys() {
        return java.util.List.of();
    }

    /**
     * Checks the transport's settings and the channels' settings for it, without connecting to
     * anything. The runtime calls it before anything starts (and for {@code --print-config}) and
     * reports its problems together with every other configuration problem, in one message.
     *
     * @param context the settings, never null
     * @throws io.twelvefold.core.ConfigurationException listing every problem, each naming the key,
     *     its environment variable and the value (secrets redacted)
     */
    default void validate(TransportContext context) {
    }

    /**
     * Creates a transport: validates the configuration, then connects.
     *
     * @param context the configuration and services of the runtime, never null
     * @return a new transport, never null
     * @throws io.twelvefold.core.ConfigurationException when its configuration is invalid, or when
     *     the broker refused the credentials or the configuration (not retried)
     * @throws io.twelvefold.core.TransportException when the broker cannot be reached: one line
     *     naming the setting to check (such as {@code TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS}) and the
     *     cause (refused, timed out); the runtime tries again until {@code twelvefold.start-timeout},
     *     so this must fail within seconds, quietly (no log line of its own, no client left running)
     */
    Transport create(TransportContext context);
}
