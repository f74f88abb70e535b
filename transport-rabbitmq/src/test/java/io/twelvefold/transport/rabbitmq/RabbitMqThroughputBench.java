package io.twelvefold.transport.rabbitmq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.twelvefold.core.App;
import io.twelvefold.core.Event;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Consume-transform-produce throughput on RabbitMQ: a Twelvefold processor next to a hand-written
 * amqp-client loop with the same guarantees (persistent messages, publisher confirms, the input
 * acknowledged only after its output was confirmed, the same prefetch). Not a test (surefire does
 * not pick it up): run its {@code main} with the test classpath, see docs/transports/rabbitmq.md.
 *
 * <p>Each round preloads {@code n} JSON events into the input queue of each contender, then times
 * from the start of consumption until all {@code n} outputs are in a sink queue.
 */
final class RabbitMqThroughputBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PREFETCH = 256;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    /** CPU time of this process during the last timed run, in microseconds per event. */
    private static double lastCpuPerEvent;

    /** The payload, transformed by both contenders in the same way. */
    record Order(String key, int sequence, String note) {
        Order next() {
            return new Order(key, sequence + 1, note.toUpperCase(Locale.ROOT));
        }
    }

    private RabbitMqThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String uri = System.getenv().getOrDefault("TWELVEFOLD_RABBITMQ_URI", "amqp://localhost:5672");
        List<Double> framework = new ArrayList<>();
        List<Double> handWritten = new ArrayList<>();
        System.out.printf("consume-transform-produce, %,d persistent events of about 100 bytes, prefetch %d, %s%n", n,
                PREFETCH, RabbitMqConfig.redact(uri));
        // a warm-up of both, not counted: the JIT compiles both paths before anything is timed
        framework(uri, n / 2);
        handWritten(uri, n / 2);
        for (int round = 1; round <= rounds; round++) {
            double h = handWritten(uri, n);
            double hCpu = lastCpuPerEvent;
            double f = framework(uri, n);
            double fCpu = lastCpuPerEvent;
            handWritten.add(h);
            framework.add(f);
            System.out.printf("round %d: twelvefold %,.0f events/s (%.0f us CPU/event), hand-written %,.0f events/s "
                    + "(%.0f us CPU/event), ratio %.2f%n", round, f, fCpu, h, hCpu, f / h);
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            ratios.add(framework.get(i) / handWritten.get(i));
        }
        System.out.printf("median: twelvefold %,.0f events/s, hand-written %,.0f events/s, ratio of the rounds %.2f%n",
                median(framework), median(handWritten), median(ratios));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    // ---- Twelvefold ------------------------------------------------------------------------------

    private static double framework(String uri, int n) throws Exception {
        String in = unique("fw-in");
        String out = unique("fw-out");
        String group = "bench";
        Map<String, String> properties = Map.of("uri", uri);
        try (Transport transport = new RabbitMqTransportProvider().create(new RabbitMqResilienceTest.TestContext(properties));
                Connection admin = connect(uri); Channel channel = admin.createChannel()) {
            // declare the group's queue the way the app will, then the sink, then preload
            try (Subscription s = transport.subscribe(new SubscriptionRequest(in, group, 1), m -> { })) {
                // declared
            }
            String sink = sink(channel, out);
            preload(transport, in, n);

            App app = App.builder()
                    .environment(Map.of())
                    .config("twelvefold.transport", "rabbitmq")
                    .config("twelvefold.name", "bench")
                    .config("twelvefold.rabbitmq.uri", uri)
                    .config("twelvefold.channels.in.destination", in)
                    .config("twelvefold.channels.in.group", group)
                    .config("twelvefold.channels.in.max-in-flight", Integer.toString(PREFETCH))
                    .config("twelvefold.channels.out.destination", out)
                    .output("out")
                    .processor("in", Order.class, (event, ctx) -> ctx.emit("out", event.data().next()))
                    .build();
            long cpu0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            app.start();
            awaitCount(channel, sink, n);
            long nanos = System.nanoTime() - t0;
            lastCpuPerEvent = (OS.getProcessCpuTime() - cpu0) / 1e3 / n;
            app.close();
            delete(channel, List.of(in + "." + group, in + ".dlq." + group, sink), List.of(in, in + ".dlq", out));
            return n / (nanos / 1e9);
        }
    }

    // ---- hand-written ------------------------------------------------------------------------------

    private static double handWritten(String uri, int n) throws Exception {
        String in = unique("hw-in");
        String out = unique("hw-out");
        String queue = in + ".q";
        Map<String, String> properties = Map.of("uri", uri);
        try (Transport transport = new RabbitMqTransportProvider().create(new RabbitMqResilienceTest.TestContext(properties));
                Connection admin = connect(uri); Channel channel = admin.createChannel()) {
            channel.exchangeDeclare(in, BuiltinExchangeType.TOPIC, true);
            channel.queueDeclare(queue, true, false, false, Map.of());
            channel.queueBind(queue, in, "#");
            String sink = sink(channel, out);
            preload(transport, in, n);

            // two connections, as the transport has: publishing never blocks acknowledgements
            Connection consuming = connect(uri);
            Connection publishing = connect(uri);
            long cpu0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            Channel input = consuming.createChannel();
            Channel output = publishing.createChannel();
            input.basicQos(PREFETCH);
            output.confirmSelect();
            // output sequence number -> input delivery tag; inputs are acknowledged once their output is confirmed
            NavigableMap<Long, Long> pending = new ConcurrentSkipListMap<>();
            output.addConfirmListener((seq, multiple) -> {
                List<Long> tags = new ArrayList<>();
                if (multiple) {
                    NavigableMap<Long, Long> head = pending.headMap(seq, true);
                    tags.addAll(head.values());
                    head.clear();
                } else {
                    Long tag = pending.remove(seq);
                    if (tag != null) {
                        tags.add(tag);
                    }
                }
                if (tags.isEmpty()) {
                    return;
                }
                long highest = tags.get(tags.size() - 1);
                // one consumer publishing in delivery order: when nothing older is pending, one multiple-ack does
                Map.Entry<Long, Long> oldest = pending.firstEntry();
                if (oldest == null || oldest.getValue() > highest) {
                    input.basicAck(highest, true);
                } else {
                    for (long tag : tags) {
                        input.basicAck(tag, false);
                    }
                }
            }, (seq, multiple) -> {
                throw new IllegalStateException("broker nack in the benchmark");
            });
            input.basicConsume(queue, false, new DefaultConsumer(input) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                        throws IOException {
                    Order order = JSON.readValue(body, Order.class);
                    byte[] next = JSON.writeValueAsBytes(order.next());
                    Map<String, Object> headers = new HashMap<>(properties.getHeaders());
                    headers.put("cloudEvents:id", UUID.randomUUID().toString());
                    AMQP.BasicProperties outProperties = new AMQP.BasicProperties.Builder().deliveryMode(2)
                            .contentType("application/json").headers(headers).build();
                    synchronized (output) {
                        pending.put(output.getNextPublishSeqNo(), envelope.getDeliveryTag());
                        output.basicPublish(out, envelope.getRoutingKey(), true, outProperties, next);
                    }
                }
            });
            awaitCount(channel, sink, n);
            long nanos = System.nanoTime() - t0;
            lastCpuPerEvent = (OS.getProcessCpuTime() - cpu0) / 1e3 / n;
            consuming.abort(5_000);
            publishing.abort(5_000);
            delete(channel, List.of(queue, sink), List.of(in, out));
            return n / (nanos / 1e9);
        }
    }

    // ---- shared ------------------------------------------------------------------------------------

    private static String unique(String prefix) {
        return "bench-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Connection connect(String uri) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URI.create(uri));
        return f.newConnection("twelvefold-bench");
    }

    private static String sink(Channel channel, String exchange) throws IOException {
        String sink = exchange + ".sink";
        channel.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
        channel.queueDeclare(sink, true, false, false, Map.of());
        channel.queueBind(sink, exchange, "#");
        return sink;
    }

    /** Publishes n events of 100 keys with the transport, waiting for every confirm. */
    private static void preload(Transport transport, String destination, int n) throws Exception {
        try (Publisher publisher = transport.publisher(destination)) {
            List<CompletableFuture<Void>> sends = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String key = "key-" + (i % 100);
                Map<String, String> attributes = Map.of("id", UUID.randomUUID().toString(), "source", "/bench",
                        "type", "io.twelvefold.bench.order", "specversion", Event.SPEC_VERSION,
                        "datacontenttype", "application/json");
                byte[] payload = JSON.writeValueAsBytes(new Order(key, i / 100, "a note of some forty characters, or so"));
                sends.add(publisher.send(new OutgoingMessage(key, attributes, Map.of(), payload)));
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(5, TimeUnit.MINUTES);
        }
    }

    private static void awaitCount(Channel channel, String queue, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (channel.queueDeclarePassive(queue).getMessageCount() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + n + " outputs in " + queue);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    private static void delete(Channel channel, List<String> queues, List<String> exchanges) throws IOException {
        for (String q : queues) {
            channel.queueDelete(q);
        }
        for (String e : exchanges) {
            channel.exchangeDelete(e);
        }
    }
}
