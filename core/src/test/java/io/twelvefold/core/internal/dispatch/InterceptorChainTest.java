package io.twelvefold.core.internal.dispatch;

import static io.twelvefold.core.internal.dispatch.DispatchFixture.message;
import static io.twelvefold.core.internal.dispatch.DispatchFixture.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.Event;
import io.twelvefold.core.ForwardingProcessorContext;
import io.twelvefold.core.ProcessingException;
import io.twelvefold.core.ProcessorContext;
import io.twelvefold.core.ProcessorInterceptor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The user's interceptors on the processing chain, against hand-made transport doubles. */
class InterceptorChainTest {
    private final DispatchFixture fixture = new DispatchFixture();

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    @DisplayName("a user interceptor adds a header to emitted events, counts attempts in a meter of its own, and sees every attempt of a failing event")
    void userInterceptor() {
        Counter attempts = Counter.builder("tenant.attempts").register(fixture.registry);
        List<String> seen = new CopyOnWriteArrayList<>();
        fixture.interceptors.add(chain -> {
            attempts.increment();
            seen.add(chain.event().data() + "#" + chain.context().attempt());
            chain.proceed(chain.event(), new Tagging(chain.context(), "tenant", "acme"));
        });
        Dispatcher<String> d = fixture.dispatcher(settings(2, 10, 3), String.class, (e, ctx) -> {
            if (e.data().equals("bad")) {
                throw new IllegalStateException("bad payload");
            }
            ctx.emit("out", Event.builder(e.data().toUpperCase()).source("/shouter").type("shout")
                    .key(e.key().orElse(null)).build());
        });
        FakeMessage ok = message("a", "\"ok\"", 0);
        FakeMessage bad = message("b", "\"bad\"", 1);
        d.onMessage(ok);
        d.onMessage(bad);

        await().atMost(Duration.ofSeconds(10)).until(() -> ok.acks.get() == 1 && bad.acks.get() == 1);
        assertThat(fixture.out.sent).singleElement().satisfies(m -> {
            assertThat(m.headers()).containsEntry("tenant", "acme").containsKey("traceparent");
            assertThat(m.key()).isEqualTo("a");
            assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("\"OK\"");
        });
        assertThat(seen).containsExactlyInAnyOrder("ok#1", "bad#1", "bad#2", "bad#3");
        assertThat(seen).filteredOn(s -> s.startsWith("bad")).containsExactly("bad#1", "bad#2", "bad#3");
        assertThat(attempts.count()).isEqualTo(4);
        assertThat(fixture.dlq.sent).singleElement().satisfies(letter -> assertThat(letter.headers())
                .containsEntry(DeadLetterHeaders.REASON, "exhausted").containsEntry(DeadLetterHeaders.ATTEMPTS, "3"));
    }

    @Test
    @DisplayName("an interceptor that does not proceed finishes the attempt as a success: an idempotent consumer skips an event it already processed")
    void skipWithoutProceeding() {
        Set<String> processed = ConcurrentHashMap.newKeySet();
        fixture.interceptors.add(chain -> {
            if (processed.add(chain.event().id())) {
                chain.proceed();
            }
        });
        AtomicInteger calls = new AtomicInteger();
        Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 1), String.class, (e, ctx) -> {
            calls.incrementAndGet();
            ctx.emit("out", e.data());
        });
        FakeMessage first = message("k", "\"x\"", 0);
        FakeMessage again = message("k", "\"x\"", 0); // the same event, delivered again
        d.onMessage(first);
        d.onMessage(again);

        await().atMost(Duration.ofSeconds(10)).until(() -> first.acks.get() == 1 && again.acks.get() == 1);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(fixture.out.sent).hasSize(1);
    }

    @Test
    @DisplayName("global interceptors run before channel interceptors, each in registration order, around the processor")
    void order() {
        List<String> order = new CopyOnWriteArrayList<>();
        fixture.interceptors.add(around("global-1", order));
        fixture.interceptors.add(around("global-2", order));
        fixture.channelInterceptors.add(around("channel-1", order));
        Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 1), String.class, (e, ctx) -> order.add("processor"));
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(order).containsExactly("global-1 in", "global-2 in", "channel-1 in", "processor",
                "channel-1 out", "global-2 out", "global-1 out");
    }

    @Test
    @DisplayName("an interceptor's ProcessingException.fatal dead-letters the event at once, like the processor's")
    void interceptorDecidesFatal() {
        fixture.interceptors.add(chain -> {
            if (!chain.event().headers().containsKey("authorised")) {
                throw ProcessingException.fatal("not authorised");
            }
            chain.proceed();
        });
        AtomicInteger calls = new AtomicInteger();
        Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 5), String.class, (e, ctx) -> calls.incrementAndGet());
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(calls.get()).isZero();
        assertThat(fixture.dlq.sent).singleElement().satisfies(letter -> assertThat(letter.headers())
                .containsEntry(DeadLetterHeaders.REASON, "fatal").containsEntry(DeadLetterHeaders.ATTEMPTS, "1")
                .containsEntry(DeadLetterHeaders.EXCEPTION_MESSAGE, "not authorised"));
    }

    @Test
    @DisplayName("proceeding twice throws IllegalStateException naming the interceptor, and the attempt fails")
    void proceedTwice() {
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        ProcessorInterceptor twice = new ProceedsTwice(thrown);
        fixture.interceptors.add(twice);
        AtomicInteger calls = new AtomicInteger();
        Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 1), String.class, (e, ctx) -> calls.incrementAndGet());
        FakeMessage m = message("k", "\"x\"", 0);
        d.onMessage(m);

        await().atMost(Duration.ofSeconds(10)).until(() -> m.acks.get() == 1);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(thrown).hasSize(1);
        assertThat(thrown.get(0)).isInstanceOf(IllegalStateException.class).hasMessage("Interceptor '"
                + ProceedsTwice.class.getName() + "' (1 of 1 on channel 'c') called proceed a second time, was attempt 1 "
                + "of event 'id-0-0'; call proceed at most once");
        assertThat(fixture.dlq.sent).singleElement().satisfies(letter -> assertThat(letter.headers())
                .containsEntry(DeadLetterHeaders.EXCEPTION_CLASS, IllegalStateException.class.getName()));
    }

    @Test
    @DisplayName("an interceptor may hand on another event of the channel's payload type; one of another type fails the attempt with a clear message")
    void replaceEvent() {
        fixture.interceptors.add(chain -> {
            Event<?> in = chain.event();
            Object replaced = in.data().equals("wrong") ? (Object) 42 : ((String) in.data()).trim();
            chain.proceed(in.withData(replaced), chain.context());
        });
        List<String> processed = new CopyOnWriteArrayList<>();
        Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 1), String.class, (e, ctx) -> processed.add(e.data()));
        FakeMessage padded = message("a", "\"  x  \"", 0);
        FakeMessage wrong = message("b", "\"wrong\"", 1);
        d.onMessage(padded);
        d.onMessage(wrong);

        await().atMost(Duration.ofSeconds(10)).until(() -> padded.acks.get() == 1 && wrong.acks.get() == 1);
        assertThat(processed).containsExactly("x");
        assertThat(fixture.dlq.sent).singleElement().satisfies(letter -> assertThat(letter.headers())
                .containsEntry(DeadLetterHeaders.EXCEPTION_CLASS, IllegalArgumentException.class.getName())
                .hasEntrySatisfying(DeadLetterHeaders.EXCEPTION_MESSAGE, message -> assertThat(message)
                        .startsWith("Interceptor '").endsWith("' (1 of 1 on channel 'c') handed on an event with a "
                                + "payload of another type, was 'java.lang.Integer'; hand on an event whose payload is "
                                + "a 'java.lang.String', the payload type of channel 'c'")));
    }

    @Test
    @DisplayName("an interceptor redirects emit into an outbox written in the processor's transaction: committed on success, rolled back on failure")
    void outbox() {
        FakeDatabase db = new FakeDatabase();
        fixture.interceptors.add(chain -> {
            Transaction tx = db.begin();
            try {
                chain.proceed(chain.event(), new OutboxContext(chain.context(), tx));
                tx.commit();
            } catch (Exception e) {
                tx.rollback();
                throw e;
            }
        });
        Dispatcher<String> d = fixture.dispatcher(settings(1, 10, 2), String.class, (e, ctx) -> {
            ctx.emit("out", e.data() + "-1");
            ctx.emit("out", e.data() + "-2");
            if (e.data().equals("flaky") && ctx.attempt() == 1) {
                throw new IllegalStateException("the database said no");
            }
        });
        FakeMessage ok = message("a", "\"ok\"", 0);
        FakeMessage flaky = message("b", "\"flaky\"", 1);
        d.onMessage(ok);
        d.onMessage(flaky);

        await().atMost(Duration.ofSeconds(10)).until(() -> ok.acks.get() == 1 && flaky.acks.get() == 1);
        assertThat(fixture.out.sent).as("nothing went to the broker").isEmpty();
        assertThat(db.committed).extracting(OutboxRow::payload)
                .containsExactlyInAnyOrder("ok-1", "ok-2", "flaky-1", "flaky-2");
        assertThat(db.committed).allSatisfy(row -> assertThat(row.channel()).isEqualTo("out"));
        assertThat(db.rolledBack).as("the failed attempt's rows").isEqualTo(2);
    }

    // ------------------------------------------------------------------ helpers

    private static ProcessorInterceptor around(String name, List<String> order) {
        return chain -> {
            order.add(name + " in");
            chain.proceed();
            order.add(name + " out");
        };
    }

    /** Calls proceed twice and keeps what the second call threw (then throws it). */
    private record ProceedsTwice(List<Throwable> thrown) implements ProcessorInterceptor {
        @Override
        public void intercept(Chain chain) throws Exception {
            chain.proceed();
            try {
                chain.proceed();
            } catch (IllegalStateException e) {
                thrown.add(e);
                throw e;
            }
        }
    }

    /** Adds a header to every event emitted. */
    private static final class Tagging extends ForwardingProcessorContext {
        private final String name;
        private final String value;

        Tagging(ProcessorContext delegate, String name, String value) {
            super(delegate);
            this.name = name;
            this.value = value;
        }

        @Override
        public void emit(String channel, Event<?> event) {
            super.emit(channel, event.toBuilder().header(name, value).build());
        }
    }

    private record OutboxRow(String channel, String payload) {
    }

    /** A database with an outbox table, and transactions that keep their rows until they commit. */
    private static final class FakeDatabase {
        final List<OutboxRow> committed = new CopyOnWriteArrayList<>();
        volatile int rolledBack;

        Transaction begin() {
            return new Transaction(this);
        }
    }

    private static final class Transaction {
        private final FakeDatabase db;
        private final List<OutboxRow> rows = new ArrayList<>();

        Transaction(FakeDatabase db) {
            this.db = db;
        }

        void insert(OutboxRow row) {
            rows.add(row);
        }

        void commit() {
            db.committed.addAll(rows);
        }

        void rollback() {
            db.rolledBack += rows.size();
        }
    }

    /** Emits into the outbox of the transaction instead of the broker. */
    private static final class OutboxContext extends ForwardingProcessorContext {
        private final Transaction tx;

        OutboxContext(ProcessorContext delegate, Transaction tx) {
            super(delegate);
            this.tx = tx;
        }

        @Override
        public void emit(String channel, Object payload) {
            tx.insert(new OutboxRow(channel, String.valueOf(payload)));
        }

        @Override
        public void emit(String channel, Event<?> event) {
            tx.insert(new OutboxRow(channel, String.valueOf(event.data())));
        }
    }
}
