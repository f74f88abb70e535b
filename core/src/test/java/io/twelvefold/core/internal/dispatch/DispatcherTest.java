package io.twelvefold.core.internal.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.internal.dispatch.FakeMessage.Redeliverer;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The dispatcher against hand-made transport doubles: no broker, no config. */
class DispatcherTest {
    private final DispatchFixture fixture = new DispatchFixture();
    private final ScheduledExecutorService timer = fixture.timer;
    private final FakeSubscription subscription = fixture.subscription;
    private final FakePublisher dlq = fixture.dlq;
    private final FakePublisher out = fixture.out;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    @DisplayName("events of one key run one at a time and in order; different keys run concurrently up to the bound")
    void orderAndConcurrency() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();
        AtomicInteger overlaps = new AtomicInteger();
        // the first events of three keys meet, so the bound is reached however fast the machine is
        CountDownLatch meet = new CountDownLatch(3);
        Dispatcher<String> d = dispatcher(settings(3, 1000, 1), String.class, (e, ctx) -> {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            if (perKey.computeIfAbsent(e.key().orElseThrow(), x -> new AtomicInteger()).incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            if (Integer.parseInt(e.data()) < 10) {
                meet.countDown();
                meet.await(5, TimeUnit.SECONDS);
            }
            seen.computeIfAbsent(e.key().orElseThrow(), x -> Collections.synchronizedList(new ArrayList<>()))
                    .add(Integer.parseInt(e.data()));
            perKey.get(e.key().orElseThrow()).decrementAndGet();
            running.decrementAndGet();
        });
        List<FakeMessage> messages = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            FakeMessage m = message("k" + (i % 10), "\"" + i + "\"", i);
            messages.add(m);
            d.onMessage(m);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> messages.stream().allMatch(m -> m.acks.get() == 1));
        assertThat(overlaps.get()).as("events of one key running at once").isZero();
        assertThat(maxRunning.get()).isEqualTo(3);
        seen.forEach((k, list) -> assertThat(list).isSorted().hasSize(200));
    }

    @Test
    @DisplayName("the subscription pauses at max-in-flight and resumes once half completed")
    void backpressure() {
        CountDownLatch release = new CountDownLatch(1);
        Dispatcher<String> d = dispatcher(settings(2, 10, 1), String.class, (e, ctx) -> release.await());
        List<FakeMessage> messages = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            FakeMessage m = message("k" + i, "\"x\"", i);
            messages.add(m);
            d.onMessage(m);
        }
        assertThat(subscription.paused).isTrue();
        assertThat(d.inFlight()).isEqualTo(10);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> !subscription.paused);
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.stream().allMatch(m -> m.acks.get() == 1));
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("an input is acknowledged only after its emitted events are confirmed")
    void ackAfterConfirm() {
        out.autoConfirm = false;
        Dispatcher<String> d = dispatcher(settings(1, 10, 3), String.class, (e, ctx) -> ctx.emit("out", "y"));
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> out.pending.size() == 1);
        assertThat(m.acks.get()).isZero();
        out.pending.get(0).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(out.sent.get(0).key()).isEqualTo("k");
    }

    @Test
    @DisplayName("a refused output fails the attempt, which is retried and emits again")
    void refusedOutputRetried() {
        out.autoConfirm = false;
        Dispatcher<String> d = dispatcher(settings(1, 10, 3), String.class, (e, ctx) -> ctx.emit("out", "y"));
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> out.pending.size() == 1);
        out.pending.get(0).completeExceptionally(new IllegalStateException("broker said no"));
        await().atMost(Duration.ofSeconds(10)).until(() -> out.pending.size() == 2);
        out.pending.get(1).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
    }

    @Test
    @DisplayName("the next event of a key starts when the processor returns; acknowledgements wait for confirms, in order")
    void pipelinedPerKey() {
        out.autoConfirm = false;
        List<FakeMessage> acked = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        Dispatcher<String> d = dispatcher(settings(4, 100, 3), String.class, (e, ctx) -> {
            if (running.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            ctx.emit("out", e.data());
            running.decrementAndGet();
        });
        List<FakeMessage> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            FakeMessage m = message("k", "\"" + i + "\"", i);
            m.ackLog = acked;
            messages.add(m);
            d.onMessage(m);
        }
        // all three processed although nothing is confirmed yet
        await().atMost(Duration.ofSeconds(10)).until(() -> out.pending.size() == 3);
        assertThat(out.sent).extracting(o -> new String(o.payload(), StandardCharsets.UTF_8))
                .containsExactly("\"0\"", "\"1\"", "\"2\"");
        out.pending.get(2).complete(null);
        out.pending.get(1).complete(null);
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(acked::isEmpty);
        out.pending.get(0).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> acked.size() == 3);
        assertThat(acked).containsExactlyElementsOf(messages);
        assertThat(messages).allSatisfy(m -> assertThat(m.acks.get()).isEqualTo(1));
        assertThat(overlaps.get()).as("events of the key running at once").isZero();
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("a refused output rewinds the key: the later events already processed run again after the retry")
    void refusedOutputRewindsTheKey() {
        out.autoConfirm = false;
        List<FakeMessage> acked = new CopyOnWriteArrayList<>();
        List<String> runs = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = dispatcher(settings(2, 100, 3), String.class, (e, ctx) -> {
            runs.add(e.data() + "#" + ctx.attempt());
            ctx.emit("out", e.data());
        });
        FakeMessage first = message("k", "\"a\"", 0);
        FakeMessage second = message("k", "\"b\"", 1);
        first.ackLog = acked;
        second.ackLog = acked;
        d.onMessage(first);
        d.onMessage(second);
        await().atMost(Duration.ofSeconds(10)).until(() -> out.pending.size() == 2);
        out.pending.get(0).completeExceptionally(new IllegalStateException("broker said no"));
        // the retry of "a" (attempt 2), then "b" again (its first run did not fail: still attempt 1)
        await().atMost(Duration.ofSeconds(10)).until(() -> out.pending.size() == 4);
        assertThat(runs).containsExactly("a#1", "b#1", "a#2", "b#1");
        // the confirmation of b's stale run changes nothing
        out.pending.get(1).complete(null);
        out.pending.get(3).complete(null);
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(acked::isEmpty);
        out.pending.get(2).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> acked.size() == 2);
        assertThat(acked).containsExactly(first, second);
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2))
                .until(() -> first.acks.get() == 1 && second.acks.get() == 1);
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("under random confirm delays and refusals, every event is acknowledged once, in key order, after its last run")
    void pipelineUnderRandomConfirms() {
        for (long seed = 1; seed <= 5; seed++) {
            pipelineUnderRandomConfirms(seed);
        }
    }

    private void pipelineUnderRandomConfirms(long seed) {
        ScheduledExecutorService broker = Executors.newScheduledThreadPool(2);
        try {
            java.util.Random random = new java.util.Random(seed);
            Publisher flaky = new Publisher() {
                @Override
                public synchronized CompletableFuture<Void> send(OutgoingMessage message) {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    boolean refuse = random.nextInt(10) == 0;
                    broker.schedule(() -> {
                        if (refuse) {
                            f.completeExceptionally(new IllegalStateException("refused"));
                        } else {
                            f.complete(null);
                        }
                    }, random.nextInt(3), TimeUnit.MILLISECONDS);
                    return f;
                }

                @Override
                public void close() {
                }
            };
            Map<String, List<Integer>> runs = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();
            AtomicInteger overlaps = new AtomicInteger();
            ChannelSettings s = new ChannelSettings("c", "dest", "g", 4, 64, 100, Duration.ofMillis(1),
                    Duration.ofMillis(2), 2.0, 0, "dest.dlq", 1 << 20, Duration.ofSeconds(30));
            Dispatcher<String> d = dispatcher(s, String.class, flaky, (e, ctx) -> {
                String key = e.key().orElseThrow();
                if (perKey.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                runs.computeIfAbsent(key, x -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(e.data()));
                ctx.emit("out", e.data());
                perKey.get(key).decrementAndGet();
            });
            Map<String, List<FakeMessage>> acked = new ConcurrentHashMap<>();
            List<FakeMessage> messages = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                String key = "k" + (i % 6);
                FakeMessage m = message(key, "\"" + i + "\"", i);
                m.ackLog = acked.computeIfAbsent(key, x -> new CopyOnWriteArrayList<>());
                messages.add(m);
                d.onMessage(m);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> messages.stream().allMatch(m -> m.acks.get() >= 1));
            assertThat(overlaps.get()).as("events of one key running at once (seed %d)", seed).isZero();
            assertThat(messages).allSatisfy(m -> assertThat(m.acks.get()).as("acknowledged once").isEqualTo(1));
            acked.forEach((key, list) -> assertThat(list).extracting(m -> m.offset).isSorted().hasSize(100));
            // per key, the last run of every event comes after the last run of the one before it
            runs.forEach((key, list) -> {
                int previousLast = -1;
                for (FakeMessage m : messages) {
                    if (!m.key.equals(key)) {
                        continue;
                    }
                    int last = list.lastIndexOf((int) m.offset);
                    assertThat(last).as("last run of %s after the last run of the event before it", m.offset)
                            .isGreaterThan(previousLast);
                    previousLast = last;
                }
            });
            assertThat(d.inFlight()).isZero();
        } finally {
            broker.shutdownNow();
        }
    }

    @Test
    @DisplayName("a key waiting for its retry holds no worker: other keys go on")
    void retryHoldsNoWorker() {
        ChannelSettings s = settings(1, 100, 3, Duration.ofHours(1));
        Dispatcher<String> d = dispatcher(s, String.class, (e, ctx) -> {
            if (e.key().orElseThrow().equals("bad")) {
                throw new IllegalStateException("boom");
            }
        });
        FakeMessage bad = message("bad", "\"x\"", 0);
        FakeMessage bad2 = message("bad", "\"x\"", 1);
        FakeMessage good = message("good", "\"x\"", 2);
        d.onMessage(bad);
        d.onMessage(bad2);
        d.onMessage(good);
        await().atMost(Duration.ofSeconds(10)).until(() -> good.acks.get() == 1);
        assertThat(bad.acks.get()).isZero();
        assertThat(bad2.acks.get()).as("order per key: waits behind the retrying event").isZero();
    }

    @Test
    @DisplayName("events queued behind a key's retry delay do not count against max-in-flight: the other keys are not paused")
    void retryDelayDoesNotPauseOtherKeys() {
        // max-in-flight 4; key "bad" fails its first attempt and waits an hour for its retry
        ChannelSettings s = settings(2, 4, 3, Duration.ofHours(1));
        Dispatcher<String> d = dispatcher(s, String.class, (e, ctx) -> {
            if (e.key().orElseThrow().equals("bad")) {
                throw new IllegalStateException("boom");
            }
        });
        FakeMessage first = message("bad", "\"x\"", 0);
        d.onMessage(first);
        await().atMost(Duration.ofSeconds(10)).until(() -> d.parked() == 1);
        for (int i = 1; i <= 20; i++) {
            d.onMessage(message("bad", "\"x\"", i));
        }
        assertThat(d.parked()).as("the retrying event and the 20 behind it").isEqualTo(21);
        assertThat(subscription.paused).as("21 delivered, none of them can start: not paused").isFalse();
        List<FakeMessage> good = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            FakeMessage m = message("good-" + i, "\"x\"", 21 + i);
            good.add(m);
            d.onMessage(m);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> good.stream().allMatch(m -> m.acks.get() == 1));
        assertThat(first.acks.get()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> !subscription.paused);
        assertThat(d.inFlight()).isEqualTo(21);
    }

    @Test
    @DisplayName("events parked behind retry delays are bounded too (16 x max-in-flight): the subscription pauses there")
    void parkedEventsAreBounded() {
        ChannelSettings s = settings(2, 4, 3, Duration.ofHours(1));
        Dispatcher<String> d = dispatcher(s, String.class, (e, ctx) -> {
            throw new IllegalStateException("boom");
        });
        d.onMessage(message("bad", "\"x\"", 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> d.parked() == 1);
        for (int i = 1; i < 63; i++) {
            d.onMessage(message("bad", "\"x\"", i));
        }
        assertThat(subscription.paused).as("63 parked").isFalse();
        d.onMessage(message("bad", "\"x\"", 63));
        assertThat(subscription.paused).as("64 parked").isTrue();
    }

    @Test
    @DisplayName("once the retry delay is over the parked events count again, run in order after the retry, and are all acknowledged")
    void parkedEventsRunAfterTheRetry() {
        ChannelSettings s = settings(2, 4, 3, Duration.ofMillis(300));
        List<Long> order = new CopyOnWriteArrayList<>();
        AtomicBoolean failed = new AtomicBoolean();
        Dispatcher<String> d = dispatcher(s, String.class, (e, ctx) -> {
            if (failed.compareAndSet(false, true)) {
                throw new IllegalStateException("boom");
            }
            order.add(Long.parseLong(e.data()));
        });
        List<FakeMessage> messages = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            FakeMessage m = message("k", "\"" + i + "\"", i);
            messages.add(m);
            d.onMessage(m);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.stream().allMatch(m -> m.acks.get() == 1));
        assertThat(order).as("one run each, in order").hasSize(30).isSorted();
        assertThat(d.parked()).isZero();
        assertThat(d.inFlight()).isZero();
        assertThat(subscription.paused).isFalse();
    }

    @Test
    @DisplayName("after the last attempt the original message goes to the dead-letter destination, then is acknowledged")
    void deadLetterAfterLastAttempt() {
        AtomicInteger attempts = new AtomicInteger();
        Dispatcher<String> d = dispatcher(settings(1, 10, 3), String.class, (e, ctx) -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("boom " + ctx.attempt());
        });
        FakeMessage m = message("k", "\"x\"", 7);
        d.onMessage(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(attempts.get()).isEqualTo(3);
        OutgoingMessage letter = dlq.sent.get(0);
        assertThat(letter.payload()).isEqualTo(m.payload());
        assertThat(letter.key()).isEqualTo("k");
        assertThat(letter.attributes()).isEqualTo(m.attributes());
        assertThat(letter.headers()).containsEntry("h", "v")
                .containsEntry(DeadLetterHeaders.REASON, "exhausted")
                .containsEntry(DeadLetterHeaders.ATTEMPTS, "3")
                .containsEntry(DeadLetterHeaders.ORIGINAL_OFFSET, "7")
                .containsEntry(DeadLetterHeaders.EXCEPTION_CLASS, IllegalStateException.class.getName())
                .containsEntry(DeadLetterHeaders.EXCEPTION_MESSAGE, "boom 3");
    }

    @Test
    @DisplayName("a dead letter the broker refuses is retried, and the input stays unacknowledged until it is confirmed")
    void deadLetterNeverDropped() {
        dlq.autoConfirm = false;
        Dispatcher<String> d = dispatcher(settings(1, 10, 1), String.class, (e, ctx) -> {
            throw ProcessingException.fatal("no");
        });
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> dlq.pending.size() == 1);
        dlq.pending.get(0).completeExceptionally(new IllegalStateException("dlq down"));
        await().atMost(Duration.ofSeconds(10)).until(() -> dlq.pending.size() == 2);
        assertThat(m.acks.get()).isZero();
        dlq.pending.get(1).complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(dlq.sent.get(1).headers()).containsEntry(DeadLetterHeaders.REASON, "fatal");
    }

    @Test
    @DisplayName("a revocation drops queued events of those partitions unacknowledged and keeps the others")
    void revocation() {
        CountDownLatch release = new CountDownLatch(1);
        Dispatcher<String> d = dispatcher(settings(1, 100, 1), String.class, (e, ctx) -> release.await());
        FakeMessage running = message("a", "\"x\"", 0, 0);
        FakeMessage queuedSame = message("b", "\"x\"", 0, 1);
        FakeMessage queuedOther = message("c", "\"x\"", 1, 0);
        d.onMessage(running);
        await().atMost(Duration.ofSeconds(10)).until(() -> d.inFlight() == 1);
        d.onMessage(queuedSame);
        d.onMessage(queuedOther);
        CompletableFuture<Void> revoke = CompletableFuture.runAsync(() -> d.onPartitionsRevoked(Set.of(0)));
        // the queued event of partition 0 is dropped at once; the running one is waited for
        await().atMost(Duration.ofSeconds(10)).until(() -> d.inFlight() == 2);
        assertThat(revoke).isNotDone();
        release.countDown();
        revoke.join();
        assertThat(running.acks.get()).as("finished during the revocation: acknowledged").isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> queuedOther.acks.get() == 1);
        assertThat(queuedSame.acks.get()).isZero();
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("a graceful stop acknowledges what completes in time and abandons what does not")
    void gracefulStop() {
        CountDownLatch never = new CountDownLatch(1);
        Dispatcher<String> d = dispatcher(settings(2, 100, 1), String.class, (e, ctx) -> {
            if (e.key().orElseThrow().equals("slow")) {
                never.await();
            }
        });
        FakeMessage slow = message("slow", "\"x\"", 0);
        d.onMessage(slow);
        await().atMost(Duration.ofSeconds(10)).until(() -> d.inFlight() == 1);
        d.stopFetching();
        FakeMessage late = message("late", "\"x\"", 1);
        d.onMessage(late);
        assertThat(subscription.paused).isTrue();
        int left = d.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(left).isEqualTo(1);
        never.countDown();
        d.closeSubscription();
        assertThat(subscription.closed).isTrue();
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> slow.acks.get() == 0);
        assertThat(late.acks.get()).isZero();
    }

    @Test
    @DisplayName("undecodable and oversize payloads are dead-lettered at once, without calling the processor")
    void poison() {
        AtomicInteger calls = new AtomicInteger();
        ChannelSettings s = new ChannelSettings("c", "dest", "g", 1, 100, 5, Duration.ofMillis(1), Duration.ofMillis(1),
                2.0, 0, "dest.dlq", 16, Duration.ofSeconds(30));
        Dispatcher<Map<?, ?>> d = dispatcher(s, castMap(), (e, ctx) -> calls.incrementAndGet());
        FakeMessage garbage = message("k", "not json", 0);
        FakeMessage big = message("k", "{\"a\":\"0123456789012345\"}", 1);
        d.onMessage(garbage);
        d.onMessage(big);
        await().atMost(Duration.ofSeconds(10)).until(() -> garbage.acks.get() == 1 && big.acks.get() == 1);
        assertThat(calls.get()).isZero();
        assertThat(dlq.sent).extracting(o -> o.headers().get(DeadLetterHeaders.REASON))
                .containsExactly("undecodable", "oversize");
        assertThat(dlq.sent.get(0).headers()).containsEntry(DeadLetterHeaders.ATTEMPTS, "0");
    }


    // ------------------------------------------------------------------ retries handed to the broker

    private static ChannelSettings brokerRetrySettings(int maxAttempts, Duration brokerDelayFrom) {
        // backoff 5ms, 10ms, 20ms, 40ms ... without jitter
        return new ChannelSettings("c", "dest", "g", 2, 100, maxAttempts, Duration.ofMillis(5), Duration.ofSeconds(1),
                2.0, 0, "dest.dlq", 1 << 20, Duration.ofSeconds(30), brokerDelayFrom);
    }

    @Test
    @DisplayName("a retry waits in the process below broker-delay-from and is handed to the broker from it on, with the attempts made and the first failure")
    void brokerDelayFromThreshold() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Long> attemptNanos = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = dispatcher(brokerRetrySettings(5, Duration.ofMillis(10)), String.class, (e, ctx) -> {
            attempts.add(ctx.attempt());
            attemptNanos.add(System.nanoTime());
            throw new IllegalStateException("boom " + ctx.attempt());
        });
        List<HandOff> handOffs = new CopyOnWriteArrayList<>();
        FakeMessage m = message("k", "\"x\"", 0);
        m.redeliverer = (original, delay, headers) -> {
            HandOff h = new HandOff(original, delay, headers, new CompletableFuture<>());
            handOffs.add(h);
            return h.stored();
        };
        d.onMessage(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> handOffs.size() == 1);
        // attempt 2 came after 5 ms in the process; the backoff before attempt 3 (10 ms) reaches the threshold
        assertThat(attempts).containsExactly(1, 2);
        assertThat(Duration.ofNanos(attemptNanos.get(1) - attemptNanos.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(4));
        HandOff h = handOffs.get(0);
        assertThat(h.delay()).isEqualTo(Duration.ofMillis(10));
        assertThat(h.headers()).containsOnlyKeys(Envelopes.RETRY_ATTEMPTS, Envelopes.RETRY_FIRST_FAILURE)
                .containsEntry(Envelopes.RETRY_ATTEMPTS, "2");
        assertThat(java.time.Instant.parse(h.headers().get(Envelopes.RETRY_FIRST_FAILURE)))
                .isBeforeOrEqualTo(java.time.Instant.now());
        assertThat(m.acks.get()).as("not acknowledged before the broker stored the copy").isZero();
        assertThat(d.inFlight()).isEqualTo(1);

        h.stored().complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(d.inFlight()).as("the event left: the broker holds the retry").isZero();
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> attempts.size() == 2);
        assertThat(dlq.sent).isEmpty();
    }

    @Test
    @DisplayName("while the broker stores the copy, the key's next event waits; once stored it goes on, ahead of the retry")
    void handOffHoldsTheLaneUntilStored() {
        List<String> runs = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = dispatcher(brokerRetrySettings(3, Duration.ofMillis(1)), String.class, (e, ctx) -> {
            runs.add(e.data() + "#" + ctx.attempt());
            if (e.data().equals("a")) {
                throw new IllegalStateException("a fails");
            }
        });
        CompletableFuture<Void> stored = new CompletableFuture<>();
        FakeMessage a = message("k", "\"a\"", 0);
        a.redeliverer = (original, delay, headers) -> stored;
        FakeMessage b = message("k", "\"b\"", 1);
        d.onMessage(a);
        d.onMessage(b);

        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> runs.equals(List.of("a#1")));
        stored.complete(null);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.acks.get() == 1);
        assertThat(runs).containsExactly("a#1", "b#1");
        assertThat(a.acks.get()).isEqualTo(1);
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("a copy delivered again goes on with its attempt count; after max-attempts the dead letter reports every attempt and the first failure, without the retry headers")
    void attemptCountContinuesFromTheCopy() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Map<String, String>> seenHeaders = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = dispatcher(brokerRetrySettings(4, Duration.ofMillis(1)), String.class, (e, ctx) -> {
            attempts.add(ctx.attempt());
            seenHeaders.add(e.headers());
            throw new IllegalStateException("boom " + ctx.attempt());
        });
        FakeMessage copy = message("k", "\"x\"", 9);
        copy.headers = Map.of("h", "v", Envelopes.RETRY_ATTEMPTS, "3",
                Envelopes.RETRY_FIRST_FAILURE, "2024-05-04T10:15:30Z");
        d.onMessage(copy);

        await().atMost(Duration.ofSeconds(10)).until(() -> copy.acks.get() == 1);
        assertThat(attempts).as("one attempt left of four").containsExactly(4);
        assertThat(seenHeaders.get(0)).as("the processor does not see the retry headers").containsOnlyKeys("h");
        OutgoingMessage letter = dlq.sent.get(0);
        assertThat(letter.headers())
                .containsEntry(DeadLetterHeaders.REASON, "exhausted")
                .containsEntry(DeadLetterHeaders.ATTEMPTS, "4")
                .containsEntry(DeadLetterHeaders.FIRST_FAILURE, "2024-05-04T10:15:30Z")
                .containsEntry("h", "v")
                .doesNotContainKeys(Envelopes.RETRY_ATTEMPTS, Envelopes.RETRY_FIRST_FAILURE);
    }

    @Test
    @DisplayName("retries handed to a broker that delivers the copies again: the count goes on across them up to max-attempts")
    void roundTripsThroughTheBroker() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = dispatcher(brokerRetrySettings(4, Duration.ofMillis(1)), String.class, (e, ctx) -> {
            attempts.add(ctx.attempt());
            throw new IllegalStateException("boom " + ctx.attempt());
        });
        List<FakeMessage> deliveries = new CopyOnWriteArrayList<>();
        AtomicInteger offsets = new AtomicInteger(100);
        Redeliverer broker = new Redeliverer() {
            @Override
            public CompletableFuture<Void> redeliverLater(FakeMessage original, Duration delay, Map<String, String> extra) {
                Map<String, String> headers = new java.util.HashMap<>(original.headers);
                headers.putAll(extra);
                FakeMessage again = new FakeMessage(original.key, 0, offsets.incrementAndGet(), original.payload);
                again.headers = Map.copyOf(headers);
                again.redeliverer = this;
                deliveries.add(again);
                timer.schedule(() -> d.onMessage(again), delay.toNanos(), TimeUnit.NANOSECONDS);
                return CompletableFuture.completedFuture(null);
            }
        };
        FakeMessage m = message("k", "\"x\"", 7);
        m.redeliverer = broker;
        deliveries.add(m);
        d.onMessage(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> dlq.sent.size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveries.stream().allMatch(x -> x.acks.get() == 1));
        assertThat(attempts).containsExactly(1, 2, 3, 4);
        assertThat(deliveries).as("the original and a copy per retry").hasSize(4);
        assertThat(dlq.sent.get(0).headers()).containsEntry(DeadLetterHeaders.ATTEMPTS, "4")
                .containsEntry(DeadLetterHeaders.ORIGINAL_OFFSET, "103");
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("when the broker cannot store the copy, the retry waits in the process and the message is acknowledged only after it succeeded")
    void handOffFailureFallsBackToTheProcess() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = dispatcher(brokerRetrySettings(3, Duration.ofMillis(1)), String.class, (e, ctx) -> {
            attempts.add(ctx.attempt());
            if (ctx.attempt() < 3) {
                throw new IllegalStateException("boom " + ctx.attempt());
            }
        });
        List<CompletableFuture<Void>> refused = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        FakeMessage m = message("k", "\"x\"", 0);
        m.redeliverer = (original, delay, headers) -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("the broker connection is gone");
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            refused.add(f);
            return f;
        };
        d.onMessage(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> refused.size() == 1);
        await().during(Duration.ofMillis(50)).atMost(Duration.ofSeconds(2)).until(() -> attempts.size() == 1);
        assertThat(m.acks.get()).isZero();
        refused.get(0).completeExceptionally(new IllegalStateException("retry queue refused"));
        // attempt 2 waits in the process and fails; its hand-off throws, so attempt 3 waits in the process too
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(calls.get()).isEqualTo(2);
        assertThat(attempts).containsExactly(1, 2, 3);
        assertThat(dlq.sent).isEmpty();
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("on a transport that cannot redeliver later, broker-delay-from has no effect: retries wait in the process")
    void transportWithoutRedeliverLater() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = dispatcher(brokerRetrySettings(3, Duration.ofMillis(1)), String.class, (e, ctx) -> {
            attempts.add(ctx.attempt());
            if (ctx.attempt() < 3) {
                throw new IllegalStateException("boom " + ctx.attempt());
            }
        });
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(attempts).containsExactly(1, 2, 3);
    }

    @Test
    @DisplayName("once attempts are short on average, events run on the delivery thread; keys keep their order and everything is acknowledged")
    void shortAttemptsRunOnTheDeliveryThread() {
        Thread delivery = Thread.currentThread();
        AtomicInteger onDeliveryThread = new AtomicInteger();
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Dispatcher<String> d = inlineDispatcher(settings(4, 10_000, 1), String.class, Duration.ofSeconds(1), (e, ctx) -> {
            if (Thread.currentThread() == delivery) {
                onDeliveryThread.incrementAndGet();
            }
            seen.computeIfAbsent(e.key().orElseThrow(), x -> Collections.synchronizedList(new ArrayList<>()))
                    .add(Integer.parseInt(e.data()));
            ctx.emit("out", e.data());
        });
        List<FakeMessage> messages = new ArrayList<>();
        // bursts of 10 with a pause between them: the workers are busy during a burst and idle after it
        for (int burst = 0; burst < 200; burst++) {
            List<FakeMessage> batch = new ArrayList<>();
            for (int j = 0; j < 10; j++) {
                int i = burst * 10 + j;
                FakeMessage m = message("k" + (i % 7), "\"" + i + "\"", i);
                batch.add(m);
                d.onMessage(m);
            }
            messages.addAll(batch);
            await().atMost(Duration.ofSeconds(10)).until(() -> batch.stream().allMatch(m -> m.acks.get() == 1));
        }
        assertThat(onDeliveryThread.get()).as("attempts on the delivery thread").isPositive();
        seen.forEach((k, list) -> assertThat(list).as("key " + k).isSorted());
        assertThat(seen.values().stream().mapToInt(List::size).sum()).isEqualTo(2000);
        assertThat(out.sent).hasSize(2000);
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("with inline-below 0 no attempt runs on the delivery thread")
    void inlineOff() {
        Thread delivery = Thread.currentThread();
        AtomicInteger onDeliveryThread = new AtomicInteger();
        Dispatcher<String> d = inlineDispatcher(settings(4, 10_000, 1), String.class, Duration.ZERO, (e, ctx) -> {
            if (Thread.currentThread() == delivery) {
                onDeliveryThread.incrementAndGet();
            }
        });
        List<FakeMessage> messages = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            FakeMessage m = message("k" + (i % 7), "\"" + i + "\"", i);
            messages.add(m);
            d.onMessage(m);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> messages.stream().allMatch(m -> m.acks.get() == 1));
        assertThat(onDeliveryThread.get()).isZero();
    }

    @Test
    @DisplayName("a long attempt on the delivery thread sends the following events back to the workers")
    void longAttemptGoesBackToWorkers() {
        Thread delivery = Thread.currentThread();
        List<String> where = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = inlineDispatcher(settings(4, 10_000, 1), String.class, Duration.ofMillis(5), (e, ctx) -> {
            if ("slow".equals(e.data())) {
                // simulated work that takes longer than inline-below
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            where.add(e.data() + "@" + (Thread.currentThread() == delivery ? "delivery" : "worker"));
        });
        List<FakeMessage> messages = new ArrayList<>();
        // one at a time, so that no worker is busy when the next one comes
        for (int i = 0; i < 200; i++) {
            FakeMessage m = message("k" + (i % 3), "\"" + i + "\"", i);
            messages.add(m);
            d.onMessage(m);
            await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        }
        assertThat(where.get(where.size() - 1)).as("short attempts end up on the delivery thread").endsWith("@delivery");
        FakeMessage slow = message("k9", "\"slow\"", 1000);
        d.onMessage(slow);
        assertThat(slow.acks.get()).as("ran on the delivery thread before onMessage returned").isEqualTo(1);
        FakeMessage next = message("k8", "\"next\"", 1001);
        d.onMessage(next);
        await().atMost(Duration.ofSeconds(10)).until(() -> next.acks.get() == 1);
        assertThat(where).contains("slow@delivery", "next@worker");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Class<Map<?, ?>> castMap() {
        return (Class) Map.class;
    }

    // ------------------------------------------------------------------ doubles

    private static ChannelSettings settings(int concurrency, int maxInFlight, int maxAttempts) {
        return DispatchFixture.settings(concurrency, maxInFlight, maxAttempts);
    }

    private static ChannelSettings settings(int concurrency, int maxInFlight, int maxAttempts, Duration backoff) {
        return DispatchFixture.settings(concurrency, maxInFlight, maxAttempts, backoff);
    }

    private <T> Dispatcher<T> dispatcher(ChannelSettings s, Class<T> type, EventProcessor<T> p) {
        return fixture.dispatcher(s, type, p);
    }

    private <T> Dispatcher<T> dispatcher(ChannelSettings s, Class<T> type, Publisher out, EventProcessor<T> p) {
        return fixture.dispatcher(s, type, out, p, 0);
    }

    /** A dispatcher on a transport that allows attempts on its delivery thread. */
    private <T> Dispatcher<T> inlineDispatcher(ChannelSettings s, Class<T> type, Duration inlineBelow,
            EventProcessor<T> p) {
        return fixture.dispatcher(s, type, out, p, inlineBelow.toNanos());
    }

    private static FakeMessage message(String key, String json, long offset) {
        return DispatchFixture.message(key, json, offset);
    }

    private static FakeMessage message(String key, String json, int partition, long offset) {
        return DispatchFixture.message(key, json, partition, offset);
    }

    /** A hand-off to the fake broker: what the dispatcher asked for, and the outcome it waits for. */
    record HandOff(FakeMessage original, Duration delay, Map<String, String> headers, CompletableFuture<Void> stored) {
    }
}
