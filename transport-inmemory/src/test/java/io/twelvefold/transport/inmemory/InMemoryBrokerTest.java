package io.twelvefold.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The broker semantics, through the transport SPI only (plus the retained count). */
class InMemoryBrokerTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    private final String broker = "test-" + UUID.randomUUID();
    private final String destination = "orders-" + UUID.randomUUID().toString().substring(0, 8);
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    @AfterEach
    void closeAll() throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
    }

    private Transport transport(int partitions) {
        Transport transport = new InMemoryTransportProvider().create(InMemoryTransportProviderTest.context(
                Map.of("broker", broker, "partitions", Integer.toString(partitions))));
        resources.push(transport);
        return transport;
    }

    private Subscription subscribe(Transport transport, String group, int prefetch, Recorder recorder) {
        Subscription subscription = transport.subscribe(new SubscriptionRequest(destination, group, prefetch), recorder);
        resources.push(subscription);
        return subscription;
    }

    private static OutgoingMessage message(String key, String body) {
        return new OutgoingMessage(key, Map.of("id", body, "specversion", "1.0"), Map.of("traceparent", "t-" + body),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static void publish(Publisher publisher, int count, int keys) {
        for (int i = 0; i < count; i++) {
            publisher.send(message("key-" + (i % keys), Integer.toString(i))).join();
        }
    }

    private long retained(Transport transport) {
        return ((InMemoryTransport) transport).broker().existing(destination).retained();
    }

    private static int body(IncomingMessage m) {
        return Integer.parseInt(new String(m.payload(), StandardCharsets.UTF_8));
    }

    @Test
    @DisplayName("a key always maps to the same partition, and its messages arrive in order")
    void orderPerKey() {
        Transport transport = transport(8);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        Recorder recorder = Recorder.acking();
        subscribe(transport, "g", 50, recorder);

        publish(publisher, 2_000, 20);

        await().until(() -> recorder.count() == 2_000);
        Map<String, Set<Integer>> partitionsByKey = new HashMap<>();
        Map<String, List<Integer>> bodiesByKey = new LinkedHashMap<>();
        for (IncomingMessage m : recorder.received) {
            partitionsByKey.computeIfAbsent(m.key(), k -> new HashSet<>()).add(m.partition());
            bodiesByKey.computeIfAbsent(m.key(), k -> new ArrayList<>()).add(body(m));
            assertThat(m.partition()).isEqualTo(Destination.partitionOf(m.key(), 8));
            assertThat(m.destination()).isEqualTo(destination);
            assertThat(m.deliveryCount()).isEqualTo(1);
            assertThat(m.attributes()).containsEntry("id", Integer.toString(body(m)));
            assertThat(m.headers()).containsEntry("traceparent", "t-" + body(m));
        }
        assertThat(partitionsByKey.values()).allSatisfy(set -> assertThat(set).hasSize(1));
        assertThat(bodiesByKey.values()).allSatisfy(list -> assertThat(list).isSorted());
        assertThat(partitionsByKey.values().stream().flatMap(Set::stream).distinct().count())
                .as("20 keys spread over several of the 8 partitions").isGreaterThanOrEqualTo(5);
        assertThat(recorder.overlaps).hasValue(0);
        assertThat(recorder.threads).singleElement().asString()
                .startsWith("twelvefold-inmemory-" + destination + "-g-");
    }

    @Test
    @DisplayName("the partition of a key is stable and offsets grow by one within a partition")
    void stablePartitionsAndOffsets() {
        assertThat(Destination.partitionOf("key-1", 4)).isEqualTo(Destination.partitionOf("key-1", 4));
        assertThat(IntStream.range(0, 1000).map(i -> Destination.partitionOf("customer-" + i, 4)).distinct().count())
                .isEqualTo(4);
        Transport transport = transport(4);
        Recorder recorder = Recorder.acking();
        subscribe(transport, "g", 10, recorder);
        publish(transport.publisher(PublisherRequest.of(destination)), 100, 3);

        await().until(() -> recorder.count() == 100);
        Map<Integer, List<Long>> offsets = recorder.received.stream().collect(Collectors.groupingBy(
                IncomingMessage::partition, Collectors.mapping(IncomingMessage::offset, Collectors.toList())));
        offsets.values().forEach(list -> assertThat(list)
                .isEqualTo(LongStreamHelper.range(0, list.size())));
    }

    @Test
    @DisplayName("messages without a key go round robin over the partitions")
    void nullKeysRoundRobin() {
        Transport transport = transport(4);
        Recorder recorder = Recorder.acking();
        subscribe(transport, "g", 10, recorder);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        for (int i = 0; i < 8; i++) {
            publisher.send(message(null, Integer.toString(i)));
        }
        await().until(() -> recorder.count() == 8);
        Map<Integer, Long> perPartition = recorder.received.stream()
                .collect(Collectors.groupingBy(IncomingMessage::partition, Collectors.counting()));
        assertThat(perPartition).containsOnly(Map.entry(0, 2L), Map.entry(1, 2L), Map.entry(2, 2L), Map.entry(3, 2L));
    }

    @Test
    @DisplayName("every group receives every message (fan-out), across transports of the same broker")
    void fanOut() {
        Transport one = transport(4);
        Transport two = transport(4);
        Recorder a = Recorder.acking();
        Recorder b = Recorder.acking();
        subscribe(one, "group-a", 10, a);
        subscribe(two, "group-b", 10, b);

        publish(transport(4).publisher(PublisherRequest.of(destination)), 300, 7);

        await().until(() -> a.count() == 300 && b.count() == 300);
        assertThat(a.bodies()).containsExactlyInAnyOrderElementsOf(b.bodies());
    }

    @Test
    @DisplayName("transports of different brokers do not see each other's messages")
    void brokersAreIsolated() {
        Transport mine = transport(4);
        Transport other = new InMemoryTransportProvider().create(InMemoryTransportProviderTest.context(
                Map.of("broker", broker + "-other")));
        resources.push(other);
        Recorder recorder = Recorder.acking();
        subscribe(mine, "g", 10, recorder);
        publish(other.publisher(PublisherRequest.of(destination)), 10, 1);
        publish(mine.publisher(PublisherRequest.of(destination)), 1, 1);

        await().until(() -> recorder.count() == 1);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> recorder.count() == 1);
    }

    @Test
    @DisplayName("a group that subscribes after the messages were published still receives them")
    void publishBeforeSubscribe() {
        Transport transport = transport(4);
        publish(transport.publisher(PublisherRequest.of(destination)), 50, 5);
        assertThat(retained(transport)).isEqualTo(50);

        Recorder recorder = Recorder.acking();
        subscribe(transport, "late", 10, recorder);

        await().until(() -> recorder.count() == 50);
        assertThat(recorder.bodies()).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, 50).mapToObj(Integer::toString).toList());
    }

    @Test
    @DisplayName("subscriptions of one group share the partitions, and each message goes to one of them")
    void competingConsumers() {
        Transport transport = transport(4);
        Recorder a = Recorder.acking();
        Recorder b = Recorder.acking();
        subscribe(transport, "g", 10, a);
        subscribe(transport, "g", 10, b);
        // the first member hands two partitions to the second, in one call
        await().until(() -> !a.revocations.isEmpty());
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> a.revocations.size() == 1);
        assertThat(a.revocations.get(0)).containsExactlyInAnyOrder(1, 3);

        publish(transport.publisher(PublisherRequest.of(destination)), 400, 40);

        await().until(() -> a.count() + b.count() == 400);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> a.count() + b.count() == 400);
        assertThat(a.count()).isPositive();
        assertThat(b.count()).isPositive();
        Set<Integer> partitionsOfA = a.received.stream().map(IncomingMessage::partition).collect(Collectors.toSet());
        Set<Integer> partitionsOfB = b.received.stream().map(IncomingMessage::partition).collect(Collectors.toSet());
        assertThat(partitionsOfA).containsOnly(0, 2);
        assertThat(partitionsOfB).containsOnly(1, 3);
        List<String> all = new ArrayList<>(a.bodies());
        all.addAll(b.bodies());
        assertThat(all).doesNotHaveDuplicates().hasSize(400);
    }

    @Test
    @DisplayName("a joining member takes partitions after the owner was called back; unacked messages move with them")
    void rebalanceOnJoin() throws Exception {
        Transport transport = transport(2);
        Recorder first = Recorder.holding();
        CountDownLatch revokeStarted = new CountDownLatch(1);
        CountDownLatch mayFinish = new CountDownLatch(1);
        first.onRevoke(partitions -> {
            revokeStarted.countDown();
            try {
                // the handler may block while it finishes in-flight work
                mayFinish.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        subscribe(transport, "g", 100, first);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        String keyOf0 = keyFor(0, 2);
        String keyOf1 = keyFor(1, 2);
        for (int i = 0; i < 10; i++) {
            publisher.send(message(i % 2 == 0 ? keyOf0 : keyOf1, Integer.toString(i)));
        }
        await().until(() -> first.count() == 10);
        // acknowledge the messages of partition 0 only
        first.received.stream().filter(m -> m.partition() == 0).forEach(IncomingMessage::ack);

        Recorder second = Recorder.holding();
        subscribe(transport, "g", 100, second);
        assertThat(revokeStarted.await(10, TimeUnit.SECONDS)).isTrue();
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> second.count() == 0);
        mayFinish.countDown();

        await().until(() -> second.count() == 5);
        assertThat(first.revocations).containsExactly(Set.of(1));
        assertThat(second.received).allSatisfy(m -> {
            assertThat(m.partition()).isEqualTo(1);
            assertThat(m.deliveryCount()).isEqualTo(2);
        });
        assertThat(second.bodies()).containsExactly("1", "3", "5", "7", "9");
        // an ack of a message taken back is ignored, without an exception
        first.received.stream().filter(m -> m.partition() == 1).forEach(IncomingMessage::ack);

        publisher.send(message(keyOf0, "10"));
        publisher.send(message(keyOf1, "11"));
        await().until(() -> first.count() == 11 && second.count() == 6);
        assertThat(first.bodies()).last().isEqualTo("10");
        assertThat(second.bodies()).last().isEqualTo("11");
    }

    @Test
    @DisplayName("when a member leaves, the others take its partitions and get its unacked messages again")
    void rebalanceOnLeave() {
        Transport transport = transport(4);
        Recorder a = Recorder.acking();
        Recorder b = Recorder.holding();
        subscribe(transport, "g", 100, a);
        Subscription leaver = subscribe(transport, "g", 100, b);
        await().until(() -> a.revocations.size() == 1);

        publish(transport.publisher(PublisherRequest.of(destination)), 100, 10);
        await().until(() -> a.count() + b.count() == 100);
        int heldByB = b.count();
        assertThat(heldByB).isPositive();
        // b acknowledges its first two messages, then leaves
        List<IncomingMessage> ofB = new ArrayList<>(b.received);
        ofB.get(0).ack();
        ofB.get(1).ack();
        leaver.close();

        // a had the other 100 - heldByB; it gets b's unacked ones on top
        await().until(() -> a.count() == 100 - 2);
        List<IncomingMessage> redelivered = a.received.stream().filter(m -> m.deliveryCount() == 2).toList();
        assertThat(redelivered).extracting(IncomingMessage::offset, IncomingMessage::partition)
                .containsExactlyInAnyOrderElementsOf(ofB.subList(2, ofB.size()).stream()
                        .map(m -> org.assertj.core.groups.Tuple.tuple(m.offset(), m.partition())).toList());
        assertThat(b.revocations).isEmpty();
        assertThat(a.revocations).hasSize(1);
    }

    @Test
    @DisplayName("closing a subscription redelivers its unacked messages, in order, with a higher delivery count")
    void redeliveryOnClose() throws Exception {
        Transport transport = transport(1);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        publish(publisher, 10, 1);
        Recorder first = Recorder.holding();
        Subscription subscription = subscribe(transport, "g", 100, first);
        await().until(() -> first.count() == 10);
        List<IncomingMessage> got = new ArrayList<>(first.received);
        got.get(0).ack();
        got.get(3).ack();
        got.get(3).ack(); // twice: ignored
        subscription.close();
        subscription.close(); // idempotent
        got.get(5).ack(); // after close: ignored, 5 comes again

        Recorder second = Recorder.holding();
        subscribe(transport, "g", 100, second);
        await().until(() -> second.count() == 8);
        assertThat(second.bodies()).containsExactly("1", "2", "4", "5", "6", "7", "8", "9");
        assertThat(second.received).allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(2));

        // and once more: the count keeps rising; new messages follow the redelivered ones
        publisher.send(message("key-0", "10")).get();
        await().until(() -> second.count() == 9);
        resources.pop().close();
        Recorder third = Recorder.acking();
        subscribe(transport, "g", 100, third);
        await().until(() -> third.count() == 9);
        assertThat(third.bodies()).containsExactly("1", "2", "4", "5", "6", "7", "8", "9", "10");
        assertThat(third.received).extracting(IncomingMessage::deliveryCount)
                .containsExactly(3, 3, 3, 3, 3, 3, 3, 3, 2);
    }

    @Test
    @DisplayName("closing the transport closes its subscriptions: another transport gets the unacked messages")
    void transportCloseRedelivers() throws Exception {
        Transport first = transport(2);
        publish(first.publisher(PublisherRequest.of(destination)), 20, 4);
        Recorder holding = Recorder.holding();
        subscribe(first, "g", 100, holding);
        await().until(() -> holding.count() == 20);
        holding.received.stream().limit(5).forEach(IncomingMessage::ack);

        first.close();
        first.close(); // idempotent

        Recorder next = Recorder.acking();
        subscribe(transport(2), "g", 100, next);
        await().until(() -> next.count() == 15);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> next.count() == 15);
    }

    @Test
    @DisplayName("a send after the transport closed fails with a TransportException")
    void sendAfterClose() {
        Transport transport = transport(2);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        assertThat(publisher.send(message("k", "1"))).isCompleted();
        transport.close();

        CompletableFuture<Void> send = publisher.send(message("k", "2"));
        assertThat(send).isCompletedExceptionally();
        assertThatThrownBy(send::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TransportException.class)
                .hasMessage("Transport 'inmemory' of broker '" + broker + "' is closed; cannot send to destination '"
                        + destination + "'");
        assertThatThrownBy(() -> transport.publisher(PublisherRequest.of(destination))).isInstanceOf(TransportException.class);
        assertThat(transport.connected()).isFalse();
    }

    @Test
    @DisplayName("prefetch bounds the unacked messages handed to a subscription")
    void prefetchBound() {
        Transport transport = transport(2);
        Recorder recorder = Recorder.holding();
        subscribe(transport, "g", 3, recorder);
        publish(transport.publisher(PublisherRequest.of(destination)), 20, 5);

        await().until(() -> recorder.count() == 3);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> recorder.count() == 3);

        recorder.received.peek().ack();
        await().until(() -> recorder.count() == 4);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> recorder.count() == 4);

        // acknowledging everything, again and again, brings everything
        await().until(() -> {
            recorder.ackAll();
            return recorder.count() == 20;
        });
    }

    @Test
    @DisplayName("pause stops deliveries without leaving the group; resume continues where it stopped")
    void pauseResume() {
        Transport transport = transport(2);
        Recorder recorder = Recorder.acking();
        Subscription subscription = subscribe(transport, "g", 10, recorder);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        publish(publisher, 5, 2);
        await().until(() -> recorder.count() == 5);

        subscription.pause();
        subscription.pause(); // idempotent
        publish(publisher, 20, 2);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> recorder.count() == 5);

        subscription.resume();
        subscription.resume(); // idempotent
        await().until(() -> recorder.count() == 25);
    }

    @Test
    @DisplayName("pause and resume called from inside the handler neither block nor call the handler")
    void pauseFromHandler() {
        Transport transport = transport(1);
        List<IncomingMessage> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        Subscription[] holder = new Subscription[1];
        CountDownLatch subscribed = new CountDownLatch(1);
        Subscription subscription = transport.subscribe(new SubscriptionRequest(destination, "g", 100),
                new io.twelvefold.core.spi.MessageHandler() {
                    @Override
                    public void onMessage(IncomingMessage message) {
                        try {
                            subscribed.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        got.add(message);
                        message.ack();
                        holder[0].pause();
                    }
                });
        holder[0] = subscription;
        resources.push(subscription);
        subscribed.countDown();
        publish(transport.publisher(PublisherRequest.of(destination)), 5, 1);
        await().until(() -> got.size() == 1);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> got.size() == 1);
        for (int i = 2; i <= 5; i++) {
            subscription.resume();
            int expected = i;
            await().until(() -> got.size() == expected);
        }
        assertThat(got).extracting(IncomingMessage::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
    }

    @Test
    @DisplayName("messages are kept until the first group subscribes, then dropped once every group acknowledged them")
    void trimming() {
        Transport transport = transport(2);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        publish(publisher, 3_000, 10);
        assertThat(retained(transport)).isEqualTo(3_000);

        // the slow group first: a group that comes later starts from what is still retained
        Recorder slow = Recorder.holding();
        subscribe(transport, "slow", 5_000, slow);
        Recorder fast = Recorder.acking();
        subscribe(transport, "fast", 100, fast);
        await().until(() -> fast.count() == 3_000 && slow.count() == 3_000);
        // the slow group still needs everything
        assertThat(retained(transport)).isEqualTo(3_000);

        slow.ackAll();
        await().until(() -> retained(transport) == 0);

        publish(publisher, 10, 10);
        await().until(() -> fast.count() == 3_010 && slow.count() == 3_010);
        assertThat(retained(transport)).isEqualTo(10);
        slow.ackAll();
        await().until(() -> retained(transport) == 0);
    }

    @Test
    @DisplayName("retention stays bounded over a long run of publish, deliver, ack")
    void boundedOverLongRun() {
        Transport transport = transport(4);
        java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
        Subscription subscription = transport.subscribe(new SubscriptionRequest(destination, "g", 500), m -> {
            m.ack();
            acked.incrementAndGet();
        });
        resources.push(subscription);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        OutgoingMessage keyed = message("k", "x");
        OutgoingMessage unkeyed = message(null, "y");
        for (int round = 1; round <= 20; round++) {
            for (int i = 0; i < 25_000; i++) {
                publisher.send(i % 2 == 0 ? keyed : unkeyed);
            }
            long expected = round * 25_000L;
            await().until(() -> acked.get() == expected);
            await().until(() -> retained(transport) == 0);
        }
    }

    @Test
    @DisplayName("a subscription may close itself from inside its handler; the rest goes to the next member")
    void closeFromHandler() {
        Transport transport = transport(1);
        List<IncomingMessage> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        Subscription[] holder = new Subscription[1];
        CountDownLatch subscribed = new CountDownLatch(1);
        holder[0] = transport.subscribe(new SubscriptionRequest(destination, "g", 100), message -> {
            try {
                subscribed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            got.add(message);
            message.ack();
            holder[0].close();
        });
        resources.push(holder[0]);
        subscribed.countDown();
        publish(transport.publisher(PublisherRequest.of(destination)), 5, 1);
        await().until(() -> got.size() == 1);

        Recorder next = Recorder.acking();
        subscribe(transport, "g", 100, next);
        await().until(() -> next.count() == 4);
        assertThat(next.bodies()).containsExactly("1", "2", "3", "4");
        assertThat(got).hasSize(1);
    }

    @Test
    @DisplayName("a send on a closed publisher fails; the transport stays usable")
    void closedPublisher() {
        Transport transport = transport(1);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        publisher.close();
        publisher.close();
        assertThatThrownBy(() -> publisher.send(message("k", "1")).join())
                .cause().isInstanceOf(TransportException.class)
                .hasMessage("Publisher for destination '" + destination + "' is closed; open a new publisher");
        assertThat(transport.publisher(PublisherRequest.of(destination)).send(message("k", "1"))).isCompleted();
    }

    @Test
    @DisplayName("nothing is lost while publishers race and members join and leave")
    void churn() throws Exception {
        Transport transport = transport(8);
        Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger overlaps = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean ackEverything = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.function.Supplier<io.twelvefold.core.spi.MessageHandler> handler = () ->
                new io.twelvefold.core.spi.MessageHandler() {
                    private final java.util.concurrent.atomic.AtomicBoolean inside =
                            new java.util.concurrent.atomic.AtomicBoolean();

                    @Override
                    public void onMessage(IncomingMessage message) {
                        if (!inside.compareAndSet(false, true)) {
                            overlaps.incrementAndGet();
                        }
                        seen.add(new String(message.payload(), StandardCharsets.UTF_8));
                        // some stay unacknowledged until their partition moves (fewer than the prefetch)
                        if (ackEverything.get() || message.offset() % 7 != 0 || message.offset() > 700
                                || message.deliveryCount() > 1) {
                            message.ack();
                        }
                        inside.set(false);
                    }
                };
        List<Subscription> members = new ArrayList<>();
        members.add(transport.subscribe(new SubscriptionRequest(destination, "g", 1_000), handler.get()));
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            String prefix = t + "-";
            Publisher publisher = transport.publisher(PublisherRequest.of(destination));
            publishers.add(new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    publisher.send(message(i % 5 == 0 ? null : "key-" + (i % 50), prefix + i));
                }
            }));
        }
        publishers.forEach(Thread::start);
        for (int round = 0; round < 6; round++) {
            members.add(transport.subscribe(new SubscriptionRequest(destination, "g", 1_000), handler.get()));
            if (round % 2 == 1) {
                members.remove(0).close();
            }
        }
        for (Thread t : publishers) {
            t.join();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 60_000);

        ackEverything.set(true);
        Subscription last = transport.subscribe(new SubscriptionRequest(destination, "g", 1_000), handler.get());
        resources.push(last);
        members.forEach(Subscription::close);
        await().atMost(Duration.ofSeconds(30)).until(() -> retained(transport) == 0);
        assertThat(overlaps).hasValue(0);
    }

    @Test
    @DisplayName("a copy redelivered later reaches only the group of the delivery, after the delay, with the added headers and its partition; the original is not acknowledged by it")
    void redeliverLaterToTheSameGroupOnly() throws Exception {
        Transport transport = transport(4);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        Recorder mine = Recorder.holding();
        Recorder other = Recorder.acking();
        subscribe(transport, "mine", 10, mine);
        subscribe(transport, "other", 10, other);
        publisher.send(message("key-1", "1")).join();
        await().until(() -> mine.count() == 1 && other.count() == 1);
        IncomingMessage original = mine.received.peek();

        long start = System.nanoTime();
        CompletableFuture<Void> stored = original.redeliverLater(Duration.ofMillis(200), Map.of("twelvefold-retry-attempts", "1"));
        assertThat(stored).isCompleted();
        original.ack();
        await().atMost(Duration.ofSeconds(10)).until(() -> mine.count() == 2);
        long elapsed = System.nanoTime() - start;
        // a message after the copy reaches both groups: the other group skipped the copy, it did not miss it
        publisher.send(message("key-1", "2")).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> mine.count() == 3 && other.count() == 2);

        IncomingMessage copy = new ArrayList<>(mine.received).get(1);
        assertThat(Duration.ofNanos(elapsed)).isGreaterThanOrEqualTo(Duration.ofMillis(199));
        assertThat(copy.payload()).isEqualTo(original.payload());
        assertThat(copy.key()).isEqualTo("key-1");
        assertThat(copy.partition()).isEqualTo(original.partition());
        assertThat(copy.offset()).isGreaterThan(original.offset());
        assertThat(copy.deliveryCount()).isEqualTo(1);
        assertThat(copy.attributes()).isEqualTo(original.attributes());
        assertThat(copy.headers()).containsEntry("traceparent", "t-1").containsEntry("twelvefold-retry-attempts", "1");
        assertThat(other.bodies()).containsExactly("1", "2");
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> other.count() == 2);
        mine.ackAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> retained(transport) == 0);
    }

    @Test
    @DisplayName("a copy redelivered later survives the close of every member of its group: the next member gets it")
    void redeliverLaterSurvivesARestart() {
        Transport first = transport(2);
        Publisher publisher = first.publisher(PublisherRequest.of(destination));
        Recorder before = Recorder.holding();
        Subscription s = subscribe(first, "g", 10, before);
        publisher.send(message("k", "1")).join();
        await().until(() -> before.count() == 1);
        IncomingMessage original = before.received.peek();
        original.redeliverLater(Duration.ofMillis(300), Map.of()).join();
        original.ack();
        s.close();
        first.close();

        Transport second = transport(2);
        Recorder after = Recorder.acking();
        subscribe(second, "g", 10, after);
        await().atMost(Duration.ofSeconds(10)).until(() -> after.count() == 1);
        assertThat(after.bodies()).containsExactly("1");
        assertThat(after.received.peek().deliveryCount()).as("the copy, not a redelivery of the original").isEqualTo(1);
        await().during(QUIET).atMost(Duration.ofSeconds(5)).until(() -> after.count() == 1);
    }

    @Test
    @DisplayName("a delivery that was taken back, or of a closed transport, cannot be redelivered later")
    void redeliverLaterRefused() {
        Transport transport = transport(1);
        Publisher publisher = transport.publisher(PublisherRequest.of(destination));
        Recorder recorder = Recorder.holding();
        Subscription s = subscribe(transport, "g", 10, recorder);
        publisher.send(message("k", "1")).join();
        await().until(() -> recorder.count() == 1);
        IncomingMessage taken = recorder.received.peek();
        s.close();

        assertThat(taken.redeliverLater(Duration.ofMillis(1), Map.of())).failsWithin(Duration.ofSeconds(1))
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(TransportException.class)
                .withMessageContaining("taken back");
        Recorder again = Recorder.holding();
        subscribe(transport, "g", 10, again);
        await().until(() -> again.count() == 1);
        transport.close();
        assertThat(again.received.peek().redeliverLater(Duration.ofMillis(1), Map.of()))
                .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(ExecutionException.class)
                .withMessageContaining("is closed");
    }

    /** A key that maps to the given partition. */
    private static String keyFor(int partition, int partitions) {
        for (int i = 0; ; i++) {
            if (Destination.partitionOf("k" + i, partitions) == partition) {
                return "k" + i;
            }
        }
    }

    private static final class LongStreamHelper {
        static List<Long> range(long from, long to) {
            List<Long> list = new ArrayList<>();
            for (long i = from; i < to; i++) {
                list.add(i);
            }
            return list;
        }
    }
}
