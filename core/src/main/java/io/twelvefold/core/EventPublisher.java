package io.twelvefold.core;

import java.util.concurrent.CompletionStage;

/**
 * Publishes events from code that is not a processor, such as an HTTP handler.
 *
 * <p>Thread-safe. The returned stage completes when the broker confirmed the event, or
 * exceptionally with a {@link TransportException} when it refused it or could not be reached.
 */
public interface EventPublisher {

    /**
     * The event {@link #publish(String, String, Object)} would send: a new id, the channel's
     * {@code type} and {@code source} (by default the payload class as a reverse-DNS name and
     * {@code /<twelvefold.name>}), the key and the current time. Sends nothing.
     *
     * @param channel an output channel declared on the application, never null
     * @param key the partition key, may be null
     * @param payload the payload, never null
     * @param <U> the payload type
     * @return the event, never null
     * @throws TwelvefoldException when the channel is not declared as an output
     */
    <U> Event<U> newEvent(String channel, String key, U payload);

    /**
     * Publishes a payload as a new event made by {@link #newEvent} (the channel's {@code type} and
     * {@code source}, a new id), without a key.
     *
     * @param channel an output channel declared on the application, never null
     * @param payload the payload, never null
     * @return completes on broker confirmation, never null
     */
    CompletionStage<Void> publish(String channel, Object payload);

    /**
     * Publishes a payload with a partition key.
     *
     * @param channel an output channel declared on the application, never null
     * @param key the partition key, may be null
     * @param payload the payload, never null
     * @return completes on broker confirmation, never null
     */
    CompletionStage<Void> publish(String channel, String key, Object payload);

    /**
     * Publishes an event as built by the caller.
     *
     * @param channel an output channel declared on the application, never null
     * @param event the event, never null
     * @return completes on broker confirmation, never null
     */
    CompletionStage<Void> publish(String channel, Event<?> event);
}
