package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.TransportProvider;
import io.twelvefold.testkit.MessageCollector;
import io.twelvefold.testkit.Order;
import io.twelvefold.testkit.TransportConformanceKit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Retries handed to the broker ({@code retry.broker-delay-from}) on a real RabbitMQ: the retry
 * queues, their arguments and the copies' TTL, the way back to the group's queue only, and what
 * happens when the broker does not take a copy.
 */
class RabbitMqDelayedRetryTest extends TransportConformanceKit {
    /** An exchange or a queue, by passive declarations. */
    @Override
    protected java.util.Optional<Boolean> exists(String name) {
        return RabbitMqBroker.kitExists(name);
    }

    private String queueType = "classic";

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
        return RabbitMqBroker.config("queue-type", queueType);
    }

    @Test
    @DisplayName("The retry queue of a delay is named after the group's queue and the delay's level: 1 s times a power of two")
    void retryQueueNames() {
        RabbitMqTopology.Group g = RabbitMqTopology.Group.of("orders", "billing");
        assertThat(RabbitMqTopology.retryQueue(g, 1_000)).isEqualTo("orders.billing.retry.1s");
        assertThat(RabbitMqTopology.retryQueue(g, 1_999)).isEqualTo("orders.billing.retry.1s");
        assertThat(RabbitMqTopology.retryQueue(g, 2_000)).isEqualTo("orders.billing.retry.2s");
        assertThat(RabbitMqTopology.retryQueue(g, 30_000)).isEqualTo("orders.billing.retry.16s");
        assertThat(RabbitMqTopology.retryQueue(g, 600_000)).isEqualTo("orders.billing.retry.512s");
        assertThat(RabbitMqTopology.retryQueue(g, 999)).isEqualTo("orders.billing.retry.500ms");
        assertThat(RabbitMqTopology.retryQueue(g, 130)).isEqualTo("orders.billing.retry.125ms");
        assertThat(RabbitMqTopology.retryQueue(g, 100)).isEqualTo("orders.billing.retry.62ms");
        assertThat(RabbitMqTopology.retryQueue(g, 1)).isEqualTo("orders.billing.retry.1ms");
        for (long delay = 1; delay < 5_000_000; delay = delay * 3 / 2 + 1) {
            long level = RabbitMqTopology.level(delay);
            assertThat(level).as("level of %s ms", delay).isLessThanOrEqualTo(delay).isGreaterThan(delay / 2 - 1);
        }
    }

    @Test
    @DisplayName("The retry queues of a range of delays are those of every level from the shortest delay's to the longest's")
    void retryQueuesOfARange() {
        RabbitMqTopology.Group g = RabbitMqTopology.Group.of("orders", "billing");
        assertThat(RabbitMqTopology.retryQueues(g, new SubscriptionRequest.DelayRange(Duration.ofMillis(640),
                Duration.ofSeconds(36)))).containsExactly("orders.billing.retry.500ms", "orders.billing.retry.1s",
                "orders.billing.retry.2s", "orders.billing.retry.4s", "orders.billing.retry.8s",
                "orders.billing.retry.16s", "orders.billing.retry.32s");
        assertThat(RabbitMqTopology.retryQueues(g, new SubscriptionRequest.DelayRange(Duration.ofMillis(100),
                Duration.ofMillis(300)))).containsExactly("orders.billing.retry.62ms", "orders.billing.retry.125ms",
                "orders.billing.retry.250ms");
        assertThat(RabbitMqTopology.retryQueues(g, new SubscriptionRequest.DelayRange(Duration.ofNanos(1_500_001),
                Duration.ofMillis(3)))).containsExactly("orders.billing.retry.1ms", "orders.billing.retry.3ms");
        assertThat(RabbitMqTopology.retryQueues(g, null)).isEmpty();
        for (long shortest = 1; shortest < 100_000; shortest = shortest * 3 / 2 + 1) {
            long longest = shortest * 7 / 3 + 5;
            List<String> queues = RabbitMqTopology.retryQueues(g, new SubscriptionRequest.DelayRange(
                    Duration.ofMillis(shortest), Duration.ofMillis(longest)));
            for (long delay = shortest; delay <= longest; delay += Math.max(1, (longest - shortest) / 50)) {
                assertThat(queues).as("the queues of %s to %s ms", shortest, longest)
                        .contains(RabbitMqTopology.retryQueue(g, delay));
            }
        }
    }

    @ParameterizedTest(name = "queue-type {0}")
    @ValueSource(strings = {"classic", "quorum"})
    @DisplayName("A copy lands in the group's retry queue of its delay, declared with its arguments, with the delay as its expiration and the headers added; the original is left unacknowledged")
    void copyLandsInItsRetryQueue(String type) throws Exception {
        queueType = type;
        assertThat(rawTransport().capabilities()).contains(Capability.DELAYED_REDELIVERY, Capability.INLINE_PROCESSING);
        String destination = uniqueName("copy");
        String group = uniqueName("group");
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        SubscriptionRequest request = new SubscriptionRequest(destination, group, 10);
        Subscription subscription = rawTransport().subscribe(request, received::add);
        String id = uniqueName("id");
        byte[] payload = json(new Order("k", 1, "copy me"));
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        send(destination, new OutgoingMessage("k", attributes(id), Map.of("traceparent", traceparent), payload));
        await("the delivery").until(() -> received.size() == 1);
        IncomingMessage original = received.get(0);

        original.redeliverLater(Duration.ofSeconds(30), Map.of("twelvefold-retry-attempts", "2"))
                .get(timeout().toMillis(), TimeUnit.MILLISECONDS);

        String queue = destination + "." + group;
        String retryQueue = queue + ".retry.16s";
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            Map<String, Object> arguments = new java.util.HashMap<>(Map.of("x-queue-type", type,
                    "x-dead-letter-exchange", "", "x-dead-letter-routing-key", queue));
            if (type.equals("quorum")) {
                arguments.put("x-dead-letter-strategy", "at-least-once");
                arguments.put("x-overflow", "reject-publish");
            }
            // an equivalent declaration is accepted (a different one would close the channel)
            assertThat(c.queueDeclare(retryQueue, true, false, false, arguments).getMessageCount())
                    .as("messages in %s", retryQueue).isEqualTo(1);
            GetResponse copy = c.basicGet(retryQueue, true);
            AMQP.BasicProperties p = copy.getProps();
            assertThat(p.getExpiration()).as("expiration").isEqualTo("30000");
            assertThat(p.getDeliveryMode()).as("delivery-mode").isEqualTo(2);
            assertThat(copy.getBody()).isEqualTo(payload);
            assertThat(copy.getEnvelope().getRoutingKey()).isEqualTo(retryQueue);
            MessageMapping.Incoming parts = MessageMapping.read(copy.getEnvelope(), p, ChannelOptions.KeySource.HEADER);
            assertThat(parts.key()).isEqualTo("k");
            assertThat(parts.attributes()).isEqualTo(original.attributes());
            assertThat(parts.headers()).containsEntry("twelvefold-retry-attempts", "2")
                    .containsEntry("traceparent", traceparent);
            // nothing else: the copy went to the retry queue only, and redeliverLater did not acknowledge
            subscription.close();
            await("the original back in " + queue).until(() -> c.queueDeclarePassive(queue).getMessageCount() == 1);
        }
    }

    @ParameterizedTest(name = "queue-type {0}")
    @ValueSource(strings = {"classic", "quorum"})
    @DisplayName("An expired copy reaches the group's queue without its expiration (it waits there like any message), with the broker's death headers")
    void expiredCopyInTheGroupsQueue(String type) throws Exception {
        queueType = type;
        String destination = uniqueName("expired");
        String group = uniqueName("group");
        String queue = destination + "." + group;
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        Subscription subscription = rawTransport().subscribe(new SubscriptionRequest(destination, group, 10),
                received::add);
        send(destination, new OutgoingMessage("k", attributes(uniqueName("id")), Map.of(), json(new Order("k", 0, "x"))));
        await("the delivery").until(() -> received.size() == 1);
        received.get(0).redeliverLater(Duration.ofMillis(200), Map.of("twelvefold-retry-attempts", "1"))
                .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
        subscription.close();
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            await("the original and the copy in " + queue).until(() -> c.queueDeclarePassive(queue).getMessageCount() == 2);
            await("the copy to stay there, well past its expiration").during(Duration.ofSeconds(1))
                    .until(() -> c.queueDeclarePassive(queue).getMessageCount() == 2);
            GetResponse original = c.basicGet(queue, true);
            GetResponse copy = c.basicGet(queue, true);
            assertThat(original.getProps().getHeaders()).doesNotContainKey("twelvefold-retry-attempts");
            assertThat(copy.getProps().getExpiration()).as("expiration of the copy back in the group's queue").isNull();
            Map<String, Object> headers = copy.getProps().getHeaders();
            assertThat(headers.get("twelvefold-retry-attempts")).hasToString("1");
            assertThat(headers.get("x-first-death-reason")).hasToString("expired");
            assertThat(headers.get("x-first-death-queue")).hasToString(queue + ".retry.125ms");
        }
    }

    @ParameterizedTest(name = "queue-type {0}")
    @ValueSource(strings = {"classic", "quorum"})
    @DisplayName("A retry on the broker comes back to the same group after its delay, with its attempt count; another group bound to the destination never sees the copy")
    void copyComesBackToTheSameGroupOnly(String type) throws Exception {
        queueType = type;
        String destination = uniqueName("back");
        String group = uniqueName("group");
        MessageCollector otherGroup = collect(destination);
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Long> nanos = new CopyOnWriteArrayList<>();
        App app = startFailingOnce(destination, group, attempts, nanos);
        Event<Order> event = order("k", 0);
        publishAll(app, List.of(event));

        await("the retry to succeed and be acknowledged").until(() -> counts().acks(event.id()) == 2);
        assertThat(attempts).containsExactly(1, 2);
        assertThat(Duration.ofNanos(nanos.get(1) - nanos.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(299));
        assertThat(counts().deliveries(event.id())).as("the original and the copy").isEqualTo(2);
        awaitMessages(otherGroup, 1);
        await("the other group to get nothing more").during(Duration.ofMillis(500))
                .until(() -> otherGroup.size() == 1);
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            String queue = destination + "." + group;
            assertThat(c.queueDeclarePassive(queue + ".retry.250ms").getMessageCount()).as("retry queue").isZero();
            assertThat(c.queueDeclarePassive(queue).getMessageCount()).as("group's queue").isZero();
        }
    }

    @Test
    @DisplayName("A processor stopped while its retry waits on the broker loses nothing: the next start gets the copy, with its attempt count")
    void restartDuringTheDelay() throws Exception {
        String destination = uniqueName("restart");
        String group = uniqueName("group");
        String retryQueue = destination + "." + group + ".retry.2s";
        List<Integer> firstRun = new CopyOnWriteArrayList<>();
        App first = start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "3")
                .config(channelKey(INPUT, "backoff.initial"), "3s")
                .config(channelKey(INPUT, "retry.broker-delay-from"), "1s")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    firstRun.add(ctx.attempt());
                    throw new IllegalStateException("fails until the restart");
                }));
        Event<Order> event = order("k", 0);
        publishAll(first, List.of(event));
        await("the original to be acknowledged once its copy is stored").until(() -> counts().acks(event.id()) == 1);
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            await("the copy in " + retryQueue).until(() -> c.queueDeclarePassive(retryQueue).getMessageCount() == 1);
        }
        first.close();
        assertThat(firstRun).containsExactly(1);

        List<Integer> secondRun = new CopyOnWriteArrayList<>();
        start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "3")
                .config(channelKey(INPUT, "retry.broker-delay-from"), "1s")
                .processor(INPUT, Order.class, (e, ctx) -> secondRun.add(ctx.attempt())));
        await("the copy to be processed after the restart").until(() -> counts().acks(event.id()) == 2);
        assertThat(secondRun).as("attempts after the restart").containsExactly(2);
        assertThat(counts().deliveries(event.id())).isEqualTo(2);
    }

    @Test
    @DisplayName("When the retry queue cannot be declared, the retry waits in the process and the input is acknowledged only after it")
    void refusedDeclarationFallsBackToTheProcess() throws Exception {
        String destination = uniqueName("refused");
        String group = uniqueName("group");
        String retryQueue = destination + "." + group + ".retry.250ms";
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            // a queue of that name with other arguments: the transport's declaration is refused
            c.queueDeclare(retryQueue, true, false, false, Map.of("x-queue-type", "classic"));
        }
        try {
            List<Integer> attempts = new CopyOnWriteArrayList<>();
            App app = startFailingOnce(destination, group, attempts, new CopyOnWriteArrayList<>());
            Event<Order> event = order("k", 0);
            publishAll(app, List.of(event));
            await("the retry in the process to succeed").until(() -> counts().acks(event.id()) == 1);
            assertThat(attempts).containsExactly(1, 2);
            assertThat(counts().deliveries(event.id())).as("one delivery: the retry waited in the process").isEqualTo(1);
            try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
                assertThat(c.queueDeclarePassive(retryQueue).getMessageCount()).isZero();
            }
        } finally {
            deleteQueue(retryQueue);
        }
    }

    @Test
    @DisplayName("A retry queue deleted behind the transport's back returns the copy as unroutable: that retry waits in the process, and the next one declares the queue again")
    void deletedRetryQueue() throws Exception {
        String destination = uniqueName("deleted");
        String group = uniqueName("group");
        String retryQueue = destination + "." + group + ".retry.250ms";
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        App app = start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "5")
                .config(channelKey(INPUT, "backoff.initial"), "300ms")
                .config(channelKey(INPUT, "backoff.max"), "300ms")
                .config(channelKey(INPUT, "retry.broker-delay-from"), "300ms")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(ctx.attempt());
                    if (ctx.attempt() == 2) {
                        // attempt 2 is the first copy: its queue is empty now, delete it
                        deleteQueue(retryQueue);
                    }
                    if (ctx.attempt() < 4) {
                        throw new IllegalStateException("attempt " + ctx.attempt() + " fails");
                    }
                }));
        Event<Order> event = order("k", 0);
        publishAll(app, List.of(event));

        await("the fourth attempt to succeed").until(() -> attempts.contains(4) && counts().acks(event.id()) == 3);
        assertThat(attempts).containsExactly(1, 2, 3, 4);
        // attempt 2 came from the broker; its retry was returned and waited in the process (attempt 3);
        // attempt 4 came from the broker again, through the queue declared anew
        assertThat(counts().deliveries(event.id())).isEqualTo(3);
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            assertThat(c.queueDeclarePassive(retryQueue).getMessageCount()).isZero();
        }
    }

    @Test
    @DisplayName("A copy is not stored for a delivery whose subscription closed: the broker delivers the original again")
    void voidDelivery() throws Exception {
        String destination = uniqueName("void");
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        Subscription subscription = rawTransport().subscribe(
                new SubscriptionRequest(destination, uniqueName("group"), 10), received::add);
        send(destination, new OutgoingMessage("k", attributes(uniqueName("id")), Map.of(), json(new Order("k", 0, "x"))));
        await("the delivery").until(() -> received.size() == 1);
        subscription.close();
        assertThatThrownBy(() -> received.get(0).redeliverLater(Duration.ofSeconds(1), Map.of())
                .get(timeout().toMillis(), TimeUnit.MILLISECONDS))
                .hasRootCauseInstanceOf(io.twelvefold.core.TransportException.class)
                .hasMessageContaining("is void");
    }

    /**
     * Starts a member of {@code group} whose first attempt of every event fails: its retry, after
     * 300 ms, is handed to the broker. Records each attempt and when it started.
     */
    private App startFailingOnce(String destination, String group, List<Integer> attempts, List<Long> nanos) {
        return start(consumer(destination, group)
                .config(channelKey(INPUT, "max-attempts"), "3")
                .config(channelKey(INPUT, "backoff.initial"), "300ms")
                .config(channelKey(INPUT, "retry.broker-delay-from"), "300ms")
                .processor(INPUT, Order.class, (event, ctx) -> {
                    attempts.add(ctx.attempt());
                    nanos.add(System.nanoTime());
                    if (ctx.attempt() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                }));
    }

    private static void deleteQueue(String queue) {
        try (Connection connection = RabbitMqBroker.connect(); Channel c = connection.createChannel()) {
            c.queueDelete(queue);
        } catch (Exception e) {
            throw new IllegalStateException("could not delete " + queue, e);
        }
    }
}
