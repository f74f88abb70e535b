package io.twelvefold.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twelvefold.core.App;
import io.twelvefold.core.Codec;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.Capability;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A JUnit 5 base class for tests against one transport: what the test supplies (the provider, its
 * settings, a timeout), and the fixtures the conformance kit's scenarios use, so that a transport
 * module can write scenarios of its own the same way (unique names, apps that are always closed,
 * a raw transport to send messages and read dead letters, and {@link DeliveryCounts} around the
 * transport the apps use).
 *
 * <p>To run the conformance kit, subclass {@link TransportConformanceKit}, which extends this
 * class; subclass this class for a transport's own scenarios, which then do not run the kit.
 *
 * <p>Every app a test starts uses the channel {@value #INPUT} for its processor and {@value #OUTPUT}
 * to publish, is isolated from the process environment, and is closed after the test. Nothing is
 * created before a test asks for it. Assert on the test thread: record what processors and
 * callbacks see, then assert after an {@link #await(String) await} (whose conditions run on the
 * test thread too), since the runtime catches what a processor throws.
 *
 * <p>One instance serves one test (JUnit's default lifecycle); not thread-safe, except where a
 * method says otherwise.
 */
public abstract class TransportFixture {
    /** The channel the kit's processors consume. */
    protected static final String INPUT = "orders";
    /** The channel the kit's apps publish on. */
    protected static final String OUTPUT = "out";
    /** The CloudEvents {@code source} of the kit's events. */
    protected static final String SOURCE = "/twelvefold/conformance-kit";
    /** The CloudEvents {@code type} of the kit's events. */
    protected static final String TYPE = "io.twelvefold.kit.order";
    /** The suffix of the default dead-letter destination. */
    protected static final String DLQ_SUFFIX = ".dlq";

    private final Resources resources = new Resources();
    private TransportProvider provider;
    private DeliveryCounts counts;
    private RawTransport rawTransport;

    /**
     * The transport under test. Called once per test; every transport it creates must reach the
     * same broker (an in-process broker must be shared by the transports of one provider instance).
     *
     * @return a provider, never null
     */
    protected abstract TransportProvider provider();

    /**
     * The transport's settings, as {@code twelvefold.<name>.*} keys (such as
     * {@code twelvefold.kafka.bootstrap-servers}); given to every app and, with the prefix removed,
     * to the fixture's own transports. The process environment is not read.
     *
     * @return the settings, never null; empty by default
     */
    protected Map<String, String> config() {
        return Map.of();
    }

    /**
     * How long to wait for an expected outcome before the test fails. Waits end as soon as the
     * outcome is seen, so a generous value costs nothing when the transport works.
     *
     * @return the timeout, 60 seconds by default
     */
    protected Duration timeout() {
        return Duration.ofSeconds(60);
    }

    /** Starts the test with fresh counts; the provider and the raw transport are created on first use. */
    @BeforeEach
    protected final void openFixture() {
        provider = null;
        counts = DeliveryCounts.create();
    }

    /**
     * Closes what the test opened, the last opened first: apps (gracefully), subscriptions,
     * publishers, the raw transport.
     *
     * @throws Exception the first failure to close, with the others suppressed
     */
    @AfterEach
    protected final void closeFixture() throws Exception {
        rawTransport = null;
        provider = null;
        resources.close();
    }

    // ---- names and configuration ------------------------------------------------------------

    /**
     * A name no other test uses, for destinations, groups and ids: lowercase letters, digits and dashes.
     *
     * @param prefix what the name is for, such as {@code orders}
     * @return {@code kit-<prefix>-<random>}, never null
     */
    protected static String uniqueName(String prefix) {
        return "kit-" + prefix + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * @param channel the channel name
     * @param key a per-channel key, such as {@code max-attempts} or {@code backoff.initial}
     * @return {@code twelvefold.channels.<channel>.<key>}
     */
    protected static String channelKey(String channel, String key) {
        return "twelvefold.channels." + channel + "." + key;
    }

    /**
     * @param destination a destination
     * @return its default dead-letter destination, {@code <destination>.dlq}
     */
    protected static String deadLetterDestination(String destination) {
        return destination + DLQ_SUFFIX;
    }

    /** @return the name of the transport under test */
    protected final String transportName() {
        return providerUnderTest().name();
    }

    /** The provider of {@link #provider()}, asked once per test. */
    private TransportProvider providerUnderTest() {
        if (provider == null) {
            provider = Objects.requireNonNull(provider(), "provider() returned null");
        }
        return provider;
    }

    /** @return the counts of every delivery to, and acknowledgement by, the apps of this test */
    protected final DeliveryCounts counts() {
        return counts;
    }

    /**
     * What the transport can do.
     *
     * @return the capabilities, never null
     */
    protected final Set<Capability> capabilities() {
        return rawTransport().capabilities();
    }

    /**
     * Skips the test, visibly, when the transport lacks a capability.
     *
     * @param capability what the scenario needs
     */
    protected final void assumeCapability(Capability capability) {
        assumeTrue(capabilities().contains(capability),
                () -> "transport '" + transportName() + "' lacks " + capability);
    }

    // ---- apps --------------------------------------------------------------------------------

    /**
     * A builder for an app on the transport under test (counted by {@link #counts()}), with a
     * unique {@code twelvefold.name}, a 30 s shutdown timeout, no environment and the transport's
     * {@link #config()}.
     *
     * @return a new builder, never null
     */
    protected final App.Builder appBuilder() {
        return App.builder()
                .transportProvider(counts.wrap(providerUnderTest()))
                .environment(Map.of())
                .config("twelvefold.transport", transportName())
                .config("twelvefold.name", uniqueName("app"))
                .config("twelvefold.shutdown-timeout", "30s")
                .config(config());
    }

    /**
     * A builder for an app whose {@value #INPUT} channel reads {@code destination} in {@code group}
     * (the test adds the processor) and whose {@value #OUTPUT} channel publishes to the same
     * destination. Retries are fast and without jitter ({@code backoff.initial} 10ms).
     *
     * @param destination the destination, never null
     * @param group the consumer group, never null
     * @return a new builder, never null
     */
    protected final App.Builder consumer(String destination, String group) {
        return appBuilder()
                .config(channelKey(INPUT, "destination"), destination)
                .config(channelKey(INPUT, "group"), group)
                .config(channelKey(INPUT, "backoff.initial"), "10ms")
                .config(channelKey(INPUT, "backoff.jitter"), "0")
                .output(OUTPUT)
                .config(channelKey(OUTPUT, "destination"), destination);
    }

    /**
     * Starts an app that only publishes: its {@value #OUTPUT} channel goes to {@code destination}.
     *
     * @param destination the destination, never null
     * @return the started app, closed after the test
     */
    protected final App startPublisher(String destination) {
        return start(appBuilder().output(OUTPUT).config(channelKey(OUTPUT, "destination"), destination));
    }

    /**
     * Builds and starts an app, and closes it after the test (closing it earlier is fine).
     *
     * @param builder the app's builder, never null
     * @return the started app
     */
    protected final App start(App.Builder builder) {
        App app = builder.build();
        resources.push(app);
        return app.start();
    }

    /**
     * Publishes events on {@value #OUTPUT}, in order, from this thread, and waits until the broker
     * confirmed every one.
     *
     * @param app a started app, never null
     * @param events the events, never null
     * @throws Exception when a send failed or was not confirmed in time
     */
    protected final void publishAll(App app, List<? extends Event<?>> events) throws Exception {
        List<CompletableFuture<Void>> sends = new ArrayList<>(events.size());
        for (Event<?> event : events) {
            sends.add(app.publisher().publish(OUTPUT, event).toCompletableFuture());
        }
        CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0]))
                .get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * An event of the kit with a unique id.
     *
     * @param key the partition key, never null
     * @param sequence the position among the events of the key
     * @return a new event, never null
     */
    protected static Event<Order> order(String key, int sequence) {
        return Event.builder(new Order(key, sequence, "conformance"))
                .id(uniqueName("id"))
                .source(SOURCE)
                .type(TYPE)
                .key(key)
                .build();
    }

    /**
     * {@code count} events over {@code keys} keys ({@code key-0}, {@code key-1}, ...), round robin,
     * each key's sequence numbers increasing from 0.
     *
     * @param count how many events
     * @param keys how many keys
     * @return the events in publishing order, never null
     */
    protected static List<Event<Order>> orders(int count, int keys) {
        List<Event<Order>> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(order("key-" + (i % keys), i / keys));
        }
        return events;
    }

    /**
     * @param events events
     * @return their ids, in order, never null
     */
    protected static List<String> ids(List<? extends Event<?>> events) {
        List<String> ids = new ArrayList<>(events.size());
        for (Event<?> e : events) {
            ids.add(e.id());
        }
        return ids;
    }

    /**
     * Fails unless {@code actual} contains every element of {@code expected}, naming how many are
     * missing and the first ten of them (rather than printing thousands of ids).
     *
     * @param what what the elements are, such as {@code "events processed by member A"}
     * @param actual what was seen, never null
     * @param expected what must have been seen, never null
     */
    protected static void assertContainsAll(String what, Collection<String> actual, Collection<String> expected) {
        Set<String> seen = new HashSet<>(actual);
        List<String> missing = new ArrayList<>();
        for (String e : expected) {
            if (!seen.contains(e)) {
                missing.add(e);
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError(missing.size() + " of " + expected.size() + " expected are missing from " + what
                    + ", such as " + missing.subList(0, Math.min(10, missing.size())));
        }
    }

    // ---- the transport below the apps ------------------------------------------------------------

    /**
     * The fixture's own transport (not counted), created from the provider with the
     * {@code twelvefold.<name>.*} entries of {@link #config()}, closed after the test.
     *
     * @return the transport, never null
     */
    protected final Transport rawTransport() {
        return raw().transport();
    }

    private RawTransport raw() {
        if (rawTransport == null) {
            rawTransport = resources.push(RawTransport.create(providerUnderTest(), config(), timeout()));
        }
        return rawTransport;
    }

    /**
     * The CloudEvents attributes of a valid kit message.
     *
     * @param id the {@code id}, never null
     * @return {@code id}, {@code source}, {@code type}, {@code specversion} and
     *     {@code datacontenttype} ({@code application/json}), mutable, never null
     */
    protected static Map<String, String> attributes(String id) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", id);
        attributes.put("source", SOURCE);
        attributes.put("type", TYPE);
        attributes.put("specversion", Event.SPEC_VERSION);
        attributes.put("datacontenttype", "application/json");
        return attributes;
    }

    /**
     * @param payload a payload, never null
     * @return its JSON bytes, as the default codec writes them
     */
    protected static byte[] json(Object payload) {
        return Codec.json().encode(payload);
    }

    /**
     * Sends a message with the raw transport, below any app, and waits for the confirmation.
     *
     * @param destination the destination, never null
     * @param message the message, never null
     * @throws Exception when the send failed or was not confirmed in time
     */
    protected final void send(String destination, OutgoingMessage message) throws Exception {
        raw().send(destination, message);
    }

    /**
     * Subscribes a new group of the raw transport to a destination (such as a dead-letter
     * destination), keeping and acknowledging what arrives. Subscribe before the messages are sent.
     *
     * @param destination the destination, never null
     * @return the collector, never null
     */
    protected final MessageCollector collect(String destination) {
        return raw().collect(destination, uniqueName("reader"));
    }

    /**
     * Waits until a collector received at least {@code count} messages.
     *
     * @param collector the collector, never null
     * @param count how many messages
     * @return every message received so far, never null
     */
    protected final List<IncomingMessage> awaitMessages(MessageCollector collector, int count) {
        await(count + " message(s) to arrive").untilAsserted(() -> assertThat(collector.size())
                .as("messages received").isGreaterThanOrEqualTo(count));
        return collector.messages();
    }

    /**
     * Awaitility with the {@link #timeout()}, evaluating its conditions on the test thread, so that
     * an assertion in {@code untilAsserted} fails the test where it is written.
     *
     * @param what what is awaited, for the failure message
     * @return a condition factory, never null
     */
    protected final ConditionFactory await(String what) {
        return Awaitility.await(what).atMost(timeout()).pollInterval(Duration.ofMillis(20)).pollInSameThread();
    }
}
