package io.twelvefold.bench.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.twelvefold.bench.Toon;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/**
 * The hand-written amqp-client consume-transform-produce loop that Twelvefold is compared with, with
 * the same guarantees as the RabbitMQ transport: two connections (publishing never holds back
 * acknowledgements), {@code basic.qos} {@value #PREFETCH} (Twelvefold's default max-in-flight),
 * manual acknowledgements, persistent messages published with confirms and {@code mandatory}, and
 * an input acknowledged only once its output was confirmed (one {@code multiple} ack when nothing
 * older is pending). Each delivery is {@link Toon#shout(byte[]) shouted} on the consumer's
 * thread; the output keeps the input's headers with a new {@code cloudEvents:id}.
 *
 * <p>As a process ({@link #main}) it reads the variables the Twelvefold side reads and stops
 * gracefully on SIGTERM ({@link #close()} from a shutdown hook).
 */
public final class RabbitHandLoop implements AutoCloseable {
    /** The prefetch of the loop, Twelvefold's default {@code max-in-flight}. */
    public static final int PREFETCH = 256;
    private static final long CLOSE_TIMEOUT_MILLIS = 30_000;

    private final Connection consuming;
    private final Connection publishing;
    private final Channel input;
    private final Channel output;
    private final String consumerTag;

    private RabbitHandLoop(String uri, String inputExchange, String queue, String outputExchange) throws Exception {
        ConnectionFactory factory = factory(uri);
        this.consuming = factory.newConnection("hand-written-consume");
        this.publishing = factory.newConnection("hand-written-publish");
        this.input = consuming.createChannel();
        this.output = publishing.createChannel();
        // the topology a hand-written consumer declares for itself: its exchanges, its queue, the binding
        input.exchangeDeclare(inputExchange, BuiltinExchangeType.TOPIC, true);
        input.queueDeclare(queue, true, false, false, Map.of());
        input.queueBind(queue, inputExchange, "#");
        output.exchangeDeclare(outputExchange, BuiltinExchangeType.TOPIC, true);
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
        output.addReturnListener(r -> {
            throw new IllegalStateException("output returned as unroutable by '" + r.getExchange() + "'");
        });
        this.consumerTag = input.basicConsume(queue, false, new DefaultConsumer(input) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
                    throws IOException {
                byte[] next = Toon.shout(body);
                Map<String, Object> headers = new HashMap<>(properties.getHeaders());
                headers.put("cloudEvents:id", UUID.randomUUID().toString());
                AMQP.BasicProperties outProperties = new AMQP.BasicProperties.Builder().deliveryMode(2)
                        .contentType("application/json").headers(headers).build();
                synchronized (output) {
                    pending.put(output.getNextPublishSeqNo(), envelope.getDeliveryTag());
                    output.basicPublish(outputExchange, envelope.getRoutingKey(), true, outProperties, next);
                }
            }
        });
    }

    /**
     * Connects, declares the input exchange, the queue (durable, bound with {@code #}) and the output
     * exchange, and starts consuming.
     *
     * @param uri the broker
     * @param inputExchange the exchange the input is published to
     * @param queue the loop's queue
     * @param outputExchange where the outputs go (a queue must be bound to it: sends are mandatory)
     * @return the running loop
     * @throws Exception when the broker cannot be reached or refuses a declaration
     */
    public static RabbitHandLoop start(String uri, String inputExchange, String queue, String outputExchange)
            throws Exception {
        return new RabbitHandLoop(uri, inputExchange, queue, outputExchange);
    }

    /**
     * Stops gracefully: cancels the consumer, waits for the outstanding confirms (whose inputs are
     * then acknowledged), closes both channels and connections; the broker requeues whatever was
     * not acknowledged.
     */
    @Override
    public void close() throws IOException, InterruptedException, TimeoutException {
        input.basicCancel(consumerTag);
        synchronized (output) {
            output.waitForConfirms(CLOSE_TIMEOUT_MILLIS);
        }
        input.close();
        output.close();
        consuming.close();
        publishing.close();
    }

    static ConnectionFactory factory(String uri) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(URI.create(uri));
        return f;
    }

    /**
     * Runs the loop until SIGTERM. Reads {@code TWELVEFOLD_RABBITMQ_URI},
     * {@code TWELVEFOLD_CHANNELS_TOONS_DESTINATION} (the input exchange),
     * {@code TWELVEFOLD_CHANNELS_TOONS_GROUP} (the queue is {@code <destination>.<group>}, as on
     * Twelvefold) and {@code TWELVEFOLD_CHANNELS_SHOUTED_DESTINATION} (the output exchange).
     *
     * @param args none
     * @throws Exception when the loop cannot start
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        String in = env.getOrDefault("TWELVEFOLD_CHANNELS_TOONS_DESTINATION", "toons");
        RabbitHandLoop loop = start(env.getOrDefault("TWELVEFOLD_RABBITMQ_URI", "amqp://localhost:5672"), in,
                in + "." + env.getOrDefault("TWELVEFOLD_CHANNELS_TOONS_GROUP", "hand-written"),
                env.getOrDefault("TWELVEFOLD_CHANNELS_SHOUTED_DESTINATION", "shouted"));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                loop.close();
                System.out.println("hand-written rabbitmq loop stopped");
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "stop"));
        System.out.println("hand-written rabbitmq loop started");
        stopped.await();
    }
}
