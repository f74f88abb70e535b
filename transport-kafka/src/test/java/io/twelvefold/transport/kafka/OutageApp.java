package io.twelvefold.transport.kafka;

import io.twelvefold.core.App;

/**
 * A tiny processor for {@link KafkaOutageProcessTest}, run as a child JVM: one input channel, all
 * settings from the environment.
 */
public final class OutageApp {
    private OutageApp() {
    }

    /** @param args passed to {@link App.Builder#run(String...)} */
    public static void main(String[] args) {
        App.builder().processor("orders", String.class, (event, ctx) -> { }).run(args);
    }
}
