package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Envelope;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Acknowledgement batching, against a recording channel: correct and coalesced whatever thread acknowledges. */
class AcknowledgementsTest {

    /** One {@code basic.ack}. */
    record Ack(long tag, boolean multiple) {
    }

    /** A channel that records its acknowledgements; every other method fails the test. */
    private static Channel recording(List<Ack> acks) {
        return (Channel) Proxy.newProxyInstance(Channel.class.getClassLoader(), new Class<?>[] {Channel.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("basicAck")) {
                        synchronized (acks) {
                            acks.add(new Ack((Long) args[0], (Boolean) args[1]));
                        }
                        return null;
                    }
                    if (method.getName().equals("toString")) {
                        return "recording channel";
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static RabbitMqMessage message(long tag, int generation) {
        MessageMapping.Incoming parts = MessageMapping.read(new Envelope(tag, false, "", "q"),
                new AMQP.BasicProperties(), ChannelOptions.KeySource.HEADER);
        return new RabbitMqMessage(null, "d", tag, generation, parts, new byte[0], 1);
    }

    /** An executor that runs its tasks only when told. */
    private static final class Manual implements java.util.concurrent.Executor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        synchronized int pending() {
            return tasks.size();
        }

        void runAll() {
            Runnable r;
            while ((r = poll()) != null) {
                r.run();
            }
        }

        private synchronized Runnable poll() {
            return tasks.poll();
        }
    }

    @Test
    @DisplayName("Completions made on another thread, one after the other, go out with one flush: one multiple-ack")
    void otherThreadCoalesces() throws Exception {
        List<Ack> acks = new ArrayList<>();
        Manual executor = new Manual();
        Acknowledgements a = new Acknowledgements(recording(acks), "q", 200, executor, new ConfirmBatches());
        List<RabbitMqMessage> messages = new ArrayList<>();
        for (long tag = 1; tag <= 100; tag++) {
            messages.add(message(tag, a.delivered(tag)));
        }
        Thread confirms = new Thread(() -> messages.forEach(a::completed), "confirms");
        confirms.start();
        confirms.join();
        assertThat(executor.pending()).as("flushes scheduled for 100 completions").isEqualTo(1);
        assertThat(acks).as("nothing acknowledged before the flush runs").isEmpty();
        executor.runAll();
        assertThat(acks).containsExactly(new Ack(100, true));
        assertThat(a.unacknowledged()).isZero();
    }

    @Test
    @DisplayName("Completions made while a confirm batch completes, on any thread, go out at its end on the completing thread, without a hand-off")
    void confirmBatchFlushesAtItsEnd() throws Exception {
        List<Ack> acks = new ArrayList<>();
        Manual executor = new Manual();
        ConfirmBatches batches = new ConfirmBatches();
        Acknowledgements a = new Acknowledgements(recording(acks), "q", 200, executor, batches);
        List<RabbitMqMessage> messages = new ArrayList<>();
        for (long tag = 1; tag <= 10; tag++) {
            messages.add(message(tag, a.delivered(tag)));
        }
        batches.started();
        messages.subList(0, 5).forEach(a::completed);
        Thread worker = new Thread(() -> messages.subList(5, 10).forEach(a::completed), "worker");
        worker.start();
        worker.join();
        assertThat(acks).as("before the batch ends").isEmpty();
        batches.ended();
        assertThat(acks).containsExactly(new Ack(10, true));
        assertThat(executor.pending()).as("hand-offs").isZero();
    }

    @Test
    @DisplayName("Completions made by the thread delivering to the handler wait for the end of its run, or every 32 deliveries")
    void deliveringThreadFlushesAtTheEndOfItsRun() {
        List<Ack> acks = new ArrayList<>();
        Manual executor = new Manual();
        Acknowledgements a = new Acknowledgements(recording(acks), "q", 200, executor, new ConfirmBatches());
        a.runStarted();
        for (long tag = 1; tag <= 40; tag++) {
            a.completed(message(tag, a.delivered(tag)));
            a.handedOut((int) tag);
            if (tag == 31) {
                assertThat(acks).as("after 31 deliveries").isEmpty();
            }
        }
        assertThat(acks).as("after 40 deliveries").containsExactly(new Ack(32, true));
        a.runEnded();
        assertThat(acks).containsExactly(new Ack(32, true), new Ack(40, true));
        assertThat(executor.pending()).as("hand-offs").isZero();
    }

    @Test
    @DisplayName("A completion of a delivery voided by a lost channel is never acknowledged on the recovered one")
    void voidedCompletionsAreDropped() {
        List<Ack> acks = new ArrayList<>();
        Manual executor = new Manual();
        Acknowledgements a = new Acknowledgements(recording(acks), "q", 200, executor, new ConfirmBatches());
        RabbitMqMessage old = message(1, a.delivered(1));
        assertThat(a.voidAll()).as("voided").isEqualTo(1);
        RabbitMqMessage fresh = message(1, a.delivered(1)); // the same tag on the recovered channel
        a.completed(old);
        executor.runAll();
        assertThat(acks).isEmpty();
        a.completed(fresh);
        executor.runAll();
        assertThat(acks).containsExactly(new Ack(1, true));
    }

    @Test
    @DisplayName("Completions from many threads at once, in any order: every tag acknowledged exactly once, in fewer frames than tags")
    void manyThreads() throws Exception {
        List<Ack> acks = new ArrayList<>();
        ExecutorService executor = Executors.newCachedThreadPool();
        int n = 20_000;
        ConfirmBatches batches = new ConfirmBatches();
        Acknowledgements a = new Acknowledgements(recording(acks), "q", n, executor, batches);
        List<RabbitMqMessage> messages = new ArrayList<>();
        for (long tag = 1; tag <= n; tag++) {
            messages.add(message(tag, a.delivered(tag)));
        }
        int threads = 4;
        CountDownLatch done = new CountDownLatch(threads);
        java.util.concurrent.atomic.AtomicBoolean confirming = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread confirms = new Thread(() -> {
            // batches of confirms complete meanwhile: some completions are left to their ends
            while (confirming.get()) {
                batches.started();
                Thread.onSpinWait();
                batches.ended();
            }
        }, "confirms");
        confirms.start();
        for (int t = 0; t < threads; t++) {
            int first = t;
            new Thread(() -> {
                for (int i = first; i < n; i += threads) {
                    a.completed(messages.get(i));
                }
                done.countDown();
            }, "acker-" + t).start();
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        confirming.set(false);
        confirms.join();
        a.close();
        executor.shutdown();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        BitSet acknowledged = new BitSet();
        long covered = 0;
        synchronized (acks) {
            for (Ack ack : acks) {
                if (ack.multiple()) {
                    // a multiple-ack covers every tag up to its own not yet acknowledged
                    for (long tag = covered + 1; tag <= ack.tag(); tag++) {
                        if (!acknowledged.get((int) tag)) {
                            acknowledged.set((int) tag);
                        }
                    }
                    covered = Math.max(covered, ack.tag());
                } else {
                    assertThat(acknowledged.get((int) ack.tag())).as("tag %s acknowledged twice", ack.tag()).isFalse();
                    assertThat(ack.tag()).as("a single ack below the multiple-acks' reach").isGreaterThan(covered);
                    acknowledged.set((int) ack.tag());
                }
            }
            assertThat(acknowledged.cardinality()).as("tags acknowledged").isEqualTo(n);
            assertThat(acknowledged.nextSetBit(0)).isEqualTo(1);
            assertThat(acks.size()).as("basic.ack frames").isLessThan(n);
        }
        assertThat(a.unacknowledged()).isZero();
    }
}
