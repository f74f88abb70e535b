package io.twelvefold.core.internal;

import io.twelvefold.core.Event;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.internal.dispatch.Outputs;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The app's publisher for code outside processors: every failure, even a bad argument, comes back in the stage. */
final class DefaultPublisher implements EventPublisher {
    private final Outputs outputs;

    DefaultPublisher(Outputs outputs) {
        this.outputs = outputs;
    }

    @Override
    public <U> Event<U> newEvent(String channel, String key, U payload) {
        return outputs.newEvent(channel, payload, key);
    }

    @Override
    public CompletionStage<Void> publish(String channel, Object payload) {
        return publish(channel, (String) null, payload);
    }

    @Override
    public CompletionStage<Void> publish(String channel, String key, Object payload) {
        try {
            return publish(channel, outputs.newEvent(channel, payload, key));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Void> publish(String channel, Event<?> event) {
        try {
            return outputs.send(channel, event, null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
