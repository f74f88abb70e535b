package io.twelvefold.bench.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.twelvefold.bench.Toon;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * The RabbitMQ broker of the benchmarks ({@code TWELVEFOLD_RABBITMQ_URI}, default
 * {@code amqp://localhost:5672}) and what they do on it besides the timed work: declare the
 * queues, preload the input, count and delete. Uses one admin connection and, to declare
 * Twelvefold's topology and publish the input exactly as the framework does, the RabbitMQ
 * transport itself (found with {@link ServiceLoader}, as an app finds it).
 */
public final class RabbitBroker implements AutoCloseable {
    /** The publishes of {@link #publishToons} that may await their confirm at once. */
    private static final int PRELOAD_WINDOW = 5_000;

    private final String uri;
    private final Connection admin;
    private final Channel channel;
    private final Transport transport;

    private RabbitBroker(String uri) throws Exception {
        this.uri = uri;
        this.admin = RabbitHandLoop.factory(uri).newConnection("twelvefold-bench-admin");
        this.channel = admin.createChannel();
        TransportProvider provider = ServiceLoader.load(TransportProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("rabbitmq")).findFirst()
                .orElseThrow(() -> new IllegalStateException("No rabbitmq transport on the classpath"));
        this.transport = provider.create(() -> Map.of("uri", uri));
    }

    /**
     * Connects to {@code TWELVEFOLD_RABBITMQ_URI}, or {@code amqp://localhost:5672}.
     *
     * @return the broker
     * @throws Exception when it cannot be reached
     */
    public static RabbitBroker fromEnvironment() throws Exception {
        String uri = System.getenv().getOrDefault("TWELVEFOLD_RABBITMQ_URI", "amqp://localhost:5672");
        return new RabbitBroker(uri);
    }

    /** @return the broker's URI, with its credentials (never print it) */
    public String uri() {
        return uri;
    }

    /** @return a name no other run uses, like {@code bench-in-1a2b3c4d} */
    public static String unique(String prefix) {
        return "bench-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Declares Twelvefold's queue of {@code group} on {@code destination} (and its dead-letter queue) as the app will. */
    public void declareTwelvefoldGroup(String destination, String group) {
        try (Subscription s = transport.subscribe(new SubscriptionRequest(destination, group, 1), m -> { })) {
            // declared on subscribe; closed before anything is published
        }
    }

    /** Declares the hand-written loop's queue {@code queue} on {@code exchange} as the loop will. */
    public void declareHandQueue(String exchange, String queue) throws IOException {
        channel.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
        channel.queueDeclare(queue, true, false, false, Map.of());
        channel.queueBind(queue, exchange, "#");
    }

    /**
     * Declares the exchange {@code exchange} and a sink queue bound to it with {@code #}.
     *
     * @return the sink queue's name
     */
    public String sink(String exchange) throws IOException {
        String sink = exchange + ".sink";
        channel.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
        channel.queueDeclare(sink, true, false, false, Map.of());
        channel.queueBind(sink, exchange, "#");
        return sink;
    }

    /** Publishes toons 0 to n-1 (100 keys) to {@code destination} as CloudEvents, waiting for every confirm. */
    public void preload(String destination, int n) throws Exception {
        try (Publisher publisher = transport.publisher(io.twelvefold.core.spi.PublisherRequest.of(destination))) {
            List<CompletableFuture<Void>> sends = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String key = "toon-" + (i % 100);
                Map<String, String> attributes = Map.of("id", UUID.randomUUID().toString(), "source", "/bench",
                        "type", "bench.toon", "specversion", Event.SPEC_VERSION, "datacontenttype", "application/json");
                sends.add(publisher.send(new OutgoingMessage(key, attributes, Map.of(), Toon.json(i))));
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.MINUTES);
        }
    }

    /**
     * Publishes toons 0 to n-1 to the exchange {@code exchange} straight with amqp-client, as the
     * RabbitMQ transport writes a CloudEvent: persistent, {@code content-type} application/json, a
     * random UUID as {@code message-id} and {@code cloudEvents:id}, the headers
     * {@code cloudEvents:source}, {@code :type}, {@code :specversion} and
     * {@code cloudEvents:partitionkey} (the key, which the transport reads back from it), and the key
     * as routing key. Up to {@value #PRELOAD_WINDOW} publishes await their confirm at a time; returns
     * once every one is confirmed. For inputs of 100,000s of events, which {@link #preload} (a
     * future per send through the transport) takes long to write.
     *
     * @param exchange the input's exchange, with a queue bound to it
     * @param n the number of toons
     * @param key the key of toon {@code i}
     * @throws Exception when the broker refuses (nacks) or does not confirm within a minute
     */
    public void publishToons(String exchange, int n, IntFunction<String> key) throws Exception {
        Channel publishing = admin.createChannel();
        try {
            publishing.confirmSelect();
            Semaphore window = new Semaphore(PRELOAD_WINDOW);
            NavigableSet<Long> unconfirmed = new ConcurrentSkipListSet<>();
            AtomicBoolean nacked = new AtomicBoolean();
            publishing.addConfirmListener((seq, multiple) -> window.release(confirmed(unconfirmed, seq, multiple)),
                    (seq, multiple) -> {
                        nacked.set(true);
                        window.release(confirmed(unconfirmed, seq, multiple));
                    });
            for (int i = 0; i < n && !nacked.get(); i++) {
                if (!window.tryAcquire(1, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("no publisher confirm for a minute while preloading " + exchange);
                }
                String k = key.apply(i);
                String id = UUID.randomUUID().toString();
                Map<String, Object> headers = new HashMap<>(8);
                headers.put("cloudEvents:id", id);
                headers.put("cloudEvents:source", "/bench");
                headers.put("cloudEvents:type", "bench.toon");
                headers.put("cloudEvents:specversion", Event.SPEC_VERSION);
                headers.put("cloudEvents:partitionkey", k);
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().deliveryMode(2)
                        .contentType("application/json").messageId(id).headers(headers).build();
                unconfirmed.add(publishing.getNextPublishSeqNo());
                publishing.basicPublish(exchange, k, properties, Toon.json(i));
            }
            publishing.waitForConfirmsOrDie(TimeUnit.MINUTES.toMillis(1));
            if (nacked.get()) {
                throw new IllegalStateException("the broker nacked a preloaded message on " + exchange);
            }
        } finally {
            if (publishing.isOpen()) {
                publishing.close();
            }
        }
    }

    private static int confirmed(NavigableSet<Long> unconfirmed, long seq, boolean multiple) {
        if (!multiple) {
            return unconfirmed.remove(seq) ? 1 : 0;
        }
        NavigableSet<Long> head = unconfirmed.headSet(seq, true);
        int count = 0;
        for (Long s; (s = head.pollFirst()) != null;) {
            count++;
        }
        return count;
    }

    /** @return the messages ready in {@code queue} (not counting delivered and unacknowledged ones) */
    public long ready(String queue) throws IOException {
        return channel.queueDeclarePassive(queue).getMessageCount();
    }

    /** Waits (polling every 5 ms, at most 5 minutes) until {@code queue} holds at least {@code n} messages. */
    public void awaitReady(String queue, long n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (ready(queue) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + n + " messages in " + queue);
            }
            Thread.sleep(5);
        }
    }

    /** Deletes queues, then exchanges; missing ones are fine. */
    public void delete(List<String> queues, List<String> exchanges) throws IOException {
        for (String q : queues) {
            channel.queueDelete(q);
        }
        for (String e : exchanges) {
            channel.exchangeDelete(e);
        }
    }

    /** @return a new connection to the broker, for a consumer of the caller's */
    public Connection newConnection(String name) throws Exception {
        return RabbitHandLoop.factory(uri).newConnection(name);
    }

    @Override
    public void close() throws IOException {
        transport.close();
        admin.close();
    }
}
