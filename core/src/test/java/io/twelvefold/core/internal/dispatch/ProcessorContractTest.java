package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The processor's side of the contract: when and from which threads it may emit, and where the broker's answers are handled. */
class ProcessorContractTest {
    private static final String CLIENT_IO = "fake-client-io";

    private final DispatchFixture fixture = new DispatchFixture();
    /** Completes futures the way a client library's I/O thread does. */
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> new Thread(r, CLIENT_IO));

    @AfterEach
    void stop() {
        io.shutdownNow();
        fixture.close();
    }

    @Test
    @DisplayName("emit after the attempt finished throws IllegalStateException, and the input is acknowledged without it")
    void emitAfterReturnThrows() throws Exception {
        AtomicReference<ProcessorContext> kept = new AtomicReference<>();
        CountDownLatch returned = new CountDownLatch(1);
        AtomicReference<Throwable> late = new AtomicReference<>();
        Thread straggler = new Thread(() -> {
            try {
                returned.await();
                kept.get().emit("out", "too late");
            } catch (Throwable t) {
                late.set(t);
            }
        });
        Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 1), String.class, (e, ctx) -> {
            kept.set(ctx);
            straggler.start(); // emits once the attempt is over
        });
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);
        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        returned.countDown();
        straggler.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(late.get()).isInstanceOf(IllegalStateException.class).hasMessage("Processor context of channel 'c' "
                + "is closed, was used to emit on 'out' after attempt 1 of event 'id-0-0' finished; emit before process "
                + "(and every interceptor) returns, and wait for other threads that emit");
        assertThat(fixture.out.sent).isEmpty();
        assertThat(m.acks.get()).isEqualTo(1);
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("events emitted from other threads while the processor runs are awaited like its own")
    void emitsFromOtherThreadsDuringTheAttemptAreAwaited() {
        fixture.out.autoConfirm = false;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 1), String.class, (e, ctx) -> {
                List<java.util.concurrent.Future<?>> fanOut = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String part = e.data() + "-" + i;
                    fanOut.add(pool.submit(() -> ctx.emit("out", part)));
                }
                for (java.util.concurrent.Future<?> f : fanOut) {
                    f.get(); // the processor returns once its helpers emitted
                }
            });
            FakeMessage m = message("k", "\"x\"", 0);
            d.onMessage(m);
            await().atMost(Duration.ofSeconds(10)).until(() -> fixture.out.pending.size() == 3);
            fixture.out.pending.get(0).complete(null);
            fixture.out.pending.get(1).complete(null);
            await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> m.acks.get() == 0);
            fixture.out.pending.get(2).complete(null);
            await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
            assertThat(fixture.out.sent).extracting(o -> new String(o.payload(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("\"x-0\"", "\"x-1\"", "\"x-2\"");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("confirmations, refusals and dead letters are handled on the dispatcher's callback thread, never on the client's I/O thread that completes them")
    void brokerAnswersNeverOnTheClientThread() {
        List<String> sendThreads = new CopyOnWriteArrayList<>();
        AtomicInteger deadLetterSends = new AtomicInteger();
        // the output refuses "bad"; the dead-letter destination refuses the first dead letter; both answer on CLIENT_IO
        Publisher output = FakePublisher.answering(message -> answerOnIo(!payload(message).contains("bad")));
        fixture.deadLetters = FakePublisher.answering(message -> {
            sendThreads.add(Thread.currentThread().getName());
            return answerOnIo(deadLetterSends.incrementAndGet() > 1);
        });
        ChannelSettings s = new ChannelSettings("c", "dest", "g", 2, 10, 2, Duration.ofMillis(1), Duration.ofMillis(1),
                2.0, 0, "dest.dlq", 1 << 20, Duration.ofSeconds(30));
        Dispatcher<String> d = fixture.dispatcher(s, String.class, output, (e, ctx) -> ctx.emit("out", e.data()), 0);
        FakeMessage good = message("a", "\"good\"", 0);
        FakeMessage bad = message("b", "\"bad\"", 1);
        d.onMessage(good);
        d.onMessage(bad);

        await().atMost(Duration.ofSeconds(10)).until(() -> good.acks.get() == 1 && bad.acks.get() == 1);
        assertThat(deadLetterSends.get()).as("refused once, then confirmed").isEqualTo(2);
        assertThat(sendThreads).as("dead letters sent from").containsOnly(DispatchFixture.CALLBACK_THREAD);
        // confirmed by the time the worker looks (acknowledged there), or later (on the callback thread)
        assertThat(good.ackThreads).as("acknowledged on").hasSize(1).noneMatch(CLIENT_IO::equals);
        assertThat(bad.ackThreads).as("acknowledged on").containsExactly(DispatchFixture.CALLBACK_THREAD);
        assertThat(d.inFlight()).isZero();
    }

    @Test
    @DisplayName("the broker's answer to a retry handed to it is handled on the callback thread")
    void handOffAnswerOnTheCallbackThread() {
        ChannelSettings s = new ChannelSettings("c", "dest", "g", 2, 10, 3, Duration.ofMillis(5), Duration.ofSeconds(1),
                2.0, 0, "dest.dlq", 1 << 20, Duration.ofSeconds(30), Duration.ofMillis(1));
        Dispatcher<String> d = fixture.dispatcher(s, String.class, (e, ctx) -> {
            throw new IllegalStateException("boom");
        });
        List<String> handOffThreads = new CopyOnWriteArrayList<>();
        FakeMessage m = message("k", "\"x\"", 0);
        m.redeliverer = (original, delay, headers) -> {
            handOffThreads.add(Thread.currentThread().getName());
            return answerOnIo(true);
        };
        d.onMessage(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(handOffThreads).hasSize(1).noneMatch(CLIENT_IO::equals);
        assertThat(m.ackThreads).containsExactly(DispatchFixture.CALLBACK_THREAD);
    }

    private CompletableFuture<Void> answerOnIo(boolean confirm) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        io.execute(() -> {
            if (confirm) {
                f.complete(null);
            } else {
                f.completeExceptionally(new IllegalStateException("refused"));
            }
        });
        return f;
    }

    private static String payload(OutgoingMessage m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }
}
