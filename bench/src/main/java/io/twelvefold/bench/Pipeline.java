package io.twelvefold.bench;

import io.twelvefold.core.App;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Transport;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An app on a private in-memory broker with one channel whose processor only counts, and a raw
 * transport publisher on the same broker that feeds it pre-built messages.
 */
final class Pipeline implements AutoCloseable {
    private static final String CHANNEL = "events";

    private final Completion completion = new Completion();
    private final OutgoingMessage[] messages;
    private final App app;
    private final Transport producer;
    private final Publisher publisher;

    /**
     * Starts the app and checks that one batch goes through.
     *
     * @param keys distinct partition keys, published round-robin
     * @param concurrency the channel's concurrency
     * @param codec {@code bytes} or {@code json}
     */
    Pipeline(int keys, int concurrency, String codec) {
        String broker = Bench.unique("bench");
        String destination = Bench.unique("pass-through");
        App.Builder builder = App.builder()
                .environment(Map.of())
                .config("twelvefold.transport", "inmemory")
                .config("twelvefold.inmemory.broker", broker)
                .config("twelvefold.channels." + CHANNEL + ".destination", destination)
                .config("twelvefold.channels." + CHANNEL + ".concurrency", Integer.toString(concurrency));
        if (codec.equals("bytes")) {
            EventProcessor<byte[]> count = (event, ctx) -> completion.arrive();
            builder.codec(Codec.bytes()).processor(CHANNEL, byte[].class, count);
        } else {
            EventProcessor<Bench.Ping> count = (event, ctx) -> completion.arrive();
            builder.codec(Codec.json()).processor(CHANNEL, Bench.Ping.class, count);
        }
        messages = Bench.messages(keys, codec);
        app = builder.build().start();
        producer = Bench.inMemory(broker);
        publisher = producer.publisher(io.twelvefold.core.spi.PublisherRequest.of(destination));
        // Fail here, with a message, rather than time out in the first warm-up iteration.
        batch();
    }

    /**
     * Publishes {@link Bench#BATCH} events and waits until the processor has seen them all.
     *
     * @return the number of events processed so far
     */
    long batch() {
        OutgoingMessage[] m = messages;
        int n = m.length;
        completion.expect(Bench.BATCH);
        for (int i = 0; i < Bench.BATCH; i++) {
            publisher.send(m[i % n]);
        }
        return completion.await(Bench.BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        publisher.close();
        producer.close();
        app.close();
    }
}
