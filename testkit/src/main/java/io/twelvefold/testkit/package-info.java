/**
 * The transport conformance kit: the JUnit scenarios that every Twelvefold transport runs against
 * itself, so that the delivery contract (at-least-once, order per key, retries and dead letters,
 * bounded in-flight work, graceful shutdown, message formats) holds the same on every broker.
 *
 * <h2>Running the kit</h2>
 *
 * <p>Add {@code twelvefold-testkit} and {@code junit-jupiter} with {@code test} scope, then write
 * one subclass of {@link io.twelvefold.testkit.TransportConformanceKit} per configuration of the
 * transport, supplying the provider and, when the transport needs settings, a configuration map
 * (the kit never reads or changes the process environment):
 *
 * <pre>{@code
 * class InMemoryConformanceTest extends TransportConformanceKit {
 *     @Override protected TransportProvider provider() { return new InMemoryTransportProvider(); }
 * }
 *
 * class KafkaConformanceTest extends TransportConformanceKit {
 *     @Override protected TransportProvider provider() { return new KafkaTransportProvider(); }
 *     @Override protected Map<String, String> config() {
 *         return Map.of("twelvefold.kafka.bootstrap-servers", EmbeddedKafka.bootstrapServers());
 *     }
 * }
 *
 * class KafkaConsumerProtocolConformanceTest extends KafkaConformanceTest {
 *     @Override protected Map<String, String> config() { ... "twelvefold.kafka.group-protocol", "consumer" ... }
 * }
 * }</pre>
 *
 * <p>JUnit runs the kit's {@code @Nested} groups for each subclass; the reports list them under
 * the subclass:
 * <ul>
 *   <li><b>Delivery</b>: the envelope round trip, fan-out to groups, competing consumers, and
 *       closing a member while events are in flight;</li>
 *   <li><b>Failures</b>: retries, exponential backoff, dead letters and their headers, poison
 *       messages (undecodable, oversize, missing attribute, fatal, non-retryable), and retries
 *       handed to the broker ({@code DELAYED_REDELIVERY});</li>
 *   <li><b>Flow control</b>: in-flight work stays bounded;</li>
 *   <li><b>Ordering</b>: order per key under concurrency;</li>
 *   <li><b>Formats</b>: a plain message (an {@link io.twelvefold.core.spi.OutgoingMessage} without
 *       {@code specversion}) feeds a {@code plain} channel, a {@code plain} output carries no
 *       CloudEvents attribute, a structured-mode CloudEvent is read on a default channel, and a
 *       message that is neither is dead-lettered as {@code invalid}.</li>
 * </ul>
 *
 * <p>A transport's own scenarios extend {@link io.twelvefold.testkit.TransportFixture}, the base
 * of the kit, to use the same fixtures without running the kit.
 *
 * <h2>What the kit expects of a transport</h2>
 *
 * <ul>
 *   <li>Every transport created by one {@code provider()} instance reaches the same broker: the
 *       kit sends raw messages and reads dead letters with a transport of its own, and starts
 *       several apps (members of a group, a member and its successor) in one JVM.</li>
 *   <li>Destinations are created on first use, and names of lowercase letters, digits, dashes and
 *       dots are valid ({@code kit-orders-1a2b3c4d5e6f}, {@code kit-orders-1a2b3c4d5e6f.dlq}).</li>
 *   <li>When {@code subscribe} (or {@code App.start()}) returns, messages sent afterwards reach
 *       the subscription's group: the kit subscribes first and sends afterwards, and never relies
 *       on reading from the beginning of a destination.</li>
 *   <li>Competing consumers need the destination to spread keys over more than one partition
 *       (or queue consumer): configure that in {@link io.twelvefold.testkit.TransportFixture#config()}.</li>
 *   <li>Plain messages and the broker's message id and timestamp follow the
 *       {@link io.twelvefold.core.spi.OutgoingMessage} and
 *       {@link io.twelvefold.core.spi.IncomingMessage} contracts: the Formats group checks that
 *       an event read on a plain channel has the id of {@code messageId()} and the time of
 *       {@code timestamp()}, whatever they are on the broker.</li>
 * </ul>
 *
 * <p>A scenario that needs a {@link io.twelvefold.core.spi.Capability} the transport does not
 * declare is reported as skipped ({@code assumeTrue}), never silently passed. A transport whose
 * client holds more messages than asked after a pause (a poll batch, a prefetch buffer) overrides
 * {@link io.twelvefold.testkit.TransportConformanceKit#inFlightSlack(int)} with its documented
 * slack; a slow broker may raise {@link io.twelvefold.testkit.TransportFixture#timeout()}.
 *
 * <h2>How the kit measures</h2>
 *
 * <p>The apps of a test use the provider wrapped by {@link io.twelvefold.testkit.DeliveryCounts},
 * which counts deliveries and {@code ack()} calls per message id, keeps what each delivery said
 * of itself (destination, partition, offset, message id, timestamp), and the most messages one
 * subscription had delivered and unacknowledged at once; "acknowledged once", "acknowledged none
 * twice" and "in-flight stays bounded" (memory stays flat) are measured there, the same way for
 * every transport. Dead letters and an app's output are read raw with a
 * {@link io.twelvefold.testkit.MessageCollector}. Processors only record what they see; every
 * assertion runs on the test thread, after an Awaitility wait (whose conditions are evaluated on
 * the test thread too) that ends as soon as the outcome is seen. Times are only ever checked as
 * lower bounds (a backoff delay is at least its configured value). Each scenario uses destinations
 * and groups of its own, so the kit can run against a shared broker, and closes every app it started.
 */
package io.twelvefold.testkit;
