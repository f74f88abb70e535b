package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.MessageCollector;
import io.twelvefold.testkit.Order;
import io.twelvefold.testkit.TransportConformanceKit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only a real broker can do to a transport: drop its connections in the middle of a stream,
 * redeliver a message that is never acknowledged, and cancel a consumer whose queue was deleted.
 */
class RabbitMqResilienceTest extends TransportConformanceKit {
    /** An exchange or a queue, by passive declarations. */
    @Override
    protected java.util.Optional<Boolean> exists(String name) {
        return RabbitMqBroker.kitExists(name);
    }


    @BeforeAll
    static void broker() {
        RabbitMqBroker.uri();
    }

    @AfterAll
    static void deleteTopology() throws Exception {
        RabbitMqBroker.deleteDeclared();
    }

    @Override
    protected TransportProvider provider() {
        return RabbitMqBroker.provider();
    }

    @Override
    protected Map<String, String> config() {
        return RabbitMqBroker.config();
    }

    @Test
    @DisplayName("Connections closed by the broker in the middle of a stream: every event is still processed, every send confirmed, and the transport reported the outage")
    void connectionDroppedMidStreamLosesNothing() throws Exception {
        assumeTrue(RabbitMqBroker.rabbitmqctl("-q", "status"), "needs rabbitmqctl for the broker (a local RabbitMQ)");
        String destination = uniqueName("drop");
        Map<String, Integer> processed = new ConcurrentHashMap<>();
        SimpleMeterRegistry consumerMeters = new SimpleMeterRegistry();
        SimpleMeterRegistry publisherMeters = new SimpleMeterRegistry();
        start(consumer(destination, uniqueName("group"))
                .meterRegistry(consumerMeters)
                .config(channelKey(INPUT, "concurrency"), "4")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(300));
                    processed.merge(event.id(), 1, Integer::sum);
                }));
        App publisher = start(appBuilder().meterRegistry(publisherMeters)
                .output(OUTPUT).config(channelKey(OUTPUT, "destination"), destination));
        Transport watched = rawTransport();
        AtomicBoolean sawDisconnected = new AtomicBoolean();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                if (!watched.connected()) {
                    sawDisconnected.set(true);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }, "connected-watcher");
        watcher.start();

        // a stream, not a burst: it goes on until 1,000 events after the connections were closed
        List<Event<Order>> events = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> sends = new CopyOnWriteArrayList<>();
        AtomicBoolean dropped = new AtomicBoolean();
        Thread stream = new Thread(() -> {
            int afterDrop = -1;
            for (int i = 0; afterDrop < 0 || i - afterDrop < 1_000; i++) {
                Event<Order> event = order("key-" + (i % 60), i / 60);
                events.add(event);
                sends.add(publisher.publisher().publish(OUTPUT, event).toCompletableFuture());
                if (afterDrop < 0 && dropped.get()) {
                    afterDrop = i;
                }
                if (i % 2 == 1) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
        }, "stream");
        stream.start();
        await("the stream to be under way").until(() -> processed.size() >= 500);

        assertThat(RabbitMqBroker.rabbitmqctl("close_all_connections", "twelvefold test: connection dropped mid-stream"))
                .as("rabbitmqctl close_all_connections succeeded").isTrue();
        dropped.set(true);
        stream.join(timeout().toMillis());
        assertThat(stream.isAlive()).as("the stream is still publishing").isFalse();

        CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0]))
                .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        await("every event to be processed after the recovery").untilAsserted(() ->
                assertContainsAll("the processed events", processed.keySet(), ids(events)));
        await("the transport to be connected again").until(watched::connected);
        watching.set(false);
        watcher.join();
        assertThat(sends).as("sends").hasSize(events.size()).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(sawDisconnected).as("connected() was false while the client recovered").isTrue();
        await("the recoveries to be counted").ignoreExceptions().untilAsserted(() -> {
            assertThat(consumerMeters.get(RabbitMqMeters.RECOVERIES).tag("connection", "consume").counter().count())
                    .as("recoveries of the consumer's consuming connection").isGreaterThanOrEqualTo(1);
            assertThat(publisherMeters.get(RabbitMqMeters.RECOVERIES).tag("connection", "publish").counter().count())
                    .as("recoveries of the publisher's publishing connection").isGreaterThanOrEqualTo(1);
        });
        assertThat(consumerMeters.get(RabbitMqMeters.CONNECTED).gauge().value()).as(RabbitMqMeters.CONNECTED).isEqualTo(1);
    }

    @ParameterizedTest(name = "queue-type {0}")
    @ValueSource(strings = {"classic", "quorum"})
    @DisplayName("A message that is never acknowledged is delivered max-deliveries times, then dead-lettered, never looping")
    void poisonMessageNeverLoops(String queueType) throws Exception {
        Map<String, String> properties = Map.of("uri", RabbitMqBroker.uri(), "queue-type", queueType,
                "max-deliveries", "3");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Transport transport = RabbitMqBroker.provider().create(new TestContext(properties))) {
            transport.onReady(registry);
            String destination = uniqueName("poison");
            String group = uniqueName("group");
            MessageCollector deadLetters = MessageCollector.create();
            try (Subscription reader = transport.subscribe(
                    new SubscriptionRequest(destination + ".dlq", uniqueName("reader"), 10), deadLetters)) {
                List<Integer> deliveryCounts = new CopyOnWriteArrayList<>();
                // a member that never acknowledges: to the broker, a consumer that crashes on the message
                MessageHandler crashing = message -> deliveryCounts.add(message.deliveryCount());
                SubscriptionRequest request = new SubscriptionRequest(destination, group, 10);
                Subscription member = transport.subscribe(request, crashing);
                String id = uniqueName("id");
                try (Publisher publisher = transport.publisher(PublisherRequest.of(destination))) {
                    publisher.send(new OutgoingMessage("k", attributes(id), Map.of(), json(new Order("k", 0, "poison"))))
                            .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
                }
                for (int delivery = 1; delivery <= 3; delivery++) {
                    int expected = delivery;
                    await("delivery " + expected).until(() -> deliveryCounts.size() >= expected);
                    member.close(); // the broker requeues it, as when the process dies
                    member = transport.subscribe(request, crashing);
                }
                List<IncomingMessage> dead = awaitMessages(deadLetters, 1);
                member.close();
                assertThat(deliveryCounts).as("delivery counts seen by the member").containsExactly(1, 2, 3);
                assertThat(dead).hasSize(1);
                assertThat(dead.get(0).attributes().get("id")).as("id of the dead letter").isEqualTo(id);
                assertThat(dead.get(0).headers().get("x-first-death-queue")).as("x-first-death-queue")
                        .isEqualTo(destination + "." + group);
                assertThat(dead.get(0).headers().get("x-first-death-reason")).as("x-first-death-reason")
                        .isIn("rejected", "delivery_limit");
                if (queueType.equals("classic")) {
                    // quorum queues may dead-letter it themselves (x-delivery-limit) before the guard sees it
                    assertThat(registry.get(RabbitMqMeters.REJECTED).counter().count())
                            .as(RabbitMqMeters.REJECTED).isEqualTo(1);
                }
            }
        }
    }

    /** A new subscription of the same group finds its queue empty: every message was acknowledged. */
    private void assertNothingLeft(SubscriptionRequest request) {
        MessageCollector second = MessageCollector.create();
        try (Subscription again = rawTransport().subscribe(request, second)) {
            await("nothing left in the queue").during(Duration.ofMillis(500)).until(() -> second.size() == 0);
        }
    }

    /** Publishes orders k0..k(n-1) to the destination, one at a time, each confirmed. */
    private void publishOrders(String destination, int n, String item) throws Exception {
        try (Publisher publisher = rawTransport().publisher(PublisherRequest.of(destination))) {
            for (int i = 0; i < n; i++) {
                publisher.send(new OutgoingMessage("k" + i, attributes(uniqueName("id")), Map.of(),
                        json(new Order("k" + i, i, item)))).get(timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    @Test
    @DisplayName("Completions after a gap wait for it (one multiple-ack later) until half of the prefetch does, then go one by one; each message is acknowledged exactly once")
    void outOfOrderAcknowledgements() throws Exception {
        String destination = uniqueName("gaps");
        String group = uniqueName("group");
        int prefetch = 16;
        // a handler that keeps the messages unacknowledged: the test acknowledges them itself
        List<IncomingMessage> first = new CopyOnWriteArrayList<>();
        SubscriptionRequest request = new SubscriptionRequest(destination, group, prefetch);
        Subscription subscription = rawTransport().subscribe(request, first::add);
        publishOrders(destination, 40, "gap");
        await("the prefetch window").until(() -> first.size() == prefetch);
        // the oldest stays unacknowledged (a gap); seven completions behind it (under prefetch / 2) wait
        for (int i = 7; i >= 1; i--) {
            first.get(i).ack();
        }
        await("nothing more while the completions wait for the gap").during(Duration.ofMillis(300))
                .until(() -> first.size() == prefetch);
        // the eighth makes half of the window: acknowledged one by one, the broker sends more
        first.get(8).ack();
        await("the window to move although the oldest is still unacknowledged").until(() -> first.size() > prefetch);
        // acknowledge everything after the oldest, newest first, as it arrives
        int acked = 9;
        while (acked < 40) {
            int seen = first.size();
            for (int i = seen - 1; i >= acked; i--) {
                first.get(i).ack();
            }
            acked = seen;
            if (acked < 40) {
                await("more deliveries").until(() -> first.size() > seen);
            }
        }
        first.get(0).ack();
        subscription.close();
        assertThat(first).as("no redelivery: the channel never failed on an acknowledgement").hasSize(40)
                .allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(1));

        assertNothingLeft(request);
    }

    @Test
    @DisplayName("Acknowledgements made on threads other than the consumer's, in any order, each reach the broker once")
    void acknowledgementsFromOtherThreads() throws Exception {
        String destination = uniqueName("threads");
        String group = uniqueName("group");
        int prefetch = 50;
        int total = 400;
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        SubscriptionRequest request = new SubscriptionRequest(destination, group, prefetch);
        java.util.concurrent.ExecutorService ackers = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            // every message acknowledged on one of four threads, in the order the threads get to it
            Subscription subscription = rawTransport().subscribe(request, m -> {
                received.add(m);
                ackers.execute(m::ack);
            });
            publishOrders(destination, total, "threads");
            await("every message").until(() -> received.size() == total);
            subscription.close();
        } finally {
            ackers.shutdown();
        }
        assertThat(received).as("no redelivery: the channel never failed on an acknowledgement")
                .allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(1));
        assertNothingLeft(request);
    }

    @Test
    @DisplayName("A consumer cancelled by the broker (its queue deleted) is reported to the handler, and the transport and the app's readiness turn DOWN")
    void brokerCancelledConsumerIsReported() throws Exception {
        String destination = uniqueName("cancelled");
        String group = uniqueName("group");
        App app = start(consumer(destination, group)
                .environment(Map.of("PORT", "0"))
                .processor(INPUT, Order.class, (event, ctx) -> { }));
        MessageCollector collector = MessageCollector.create();
        String readerGroup = uniqueName("reader");
        Subscription raw = rawTransport().subscribe(new SubscriptionRequest(destination, readerGroup, 10), collector);
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create("http://localhost:" + app.port() + "/health/ready");
        assertThat(status(http, ready)).as("readiness before").isEqualTo(200);
        assertThat(rawTransport().connected()).as("connected() before").isTrue();

        try (Connection admin = RabbitMqBroker.connect(); Channel channel = admin.createChannel()) {
            channel.queueDelete(destination + "." + readerGroup);
            channel.queueDelete(destination + "." + group);
        }

        await("the cancellation to reach the handler").until(() -> !collector.cancellations().isEmpty());
        assertThat(collector.cancellations().get(0))
                .isEqualTo("RabbitMQ cancelled the consumer of queue '" + destination + "." + readerGroup
                        + "' (the queue was deleted, or its node went down)");
        assertThat(rawTransport().connected()).as("connected() after the cancellation").isFalse();
        await("the app's readiness to turn DOWN").until(() -> status(http, ready) == 503);
        raw.close();
        assertThat(rawTransport().connected()).as("connected() once the cancelled subscription is closed").isTrue();
    }

    private static int status(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

}
