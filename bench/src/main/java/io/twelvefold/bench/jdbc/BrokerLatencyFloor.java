package io.twelvefold.bench.jdbc;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import io.twelvefold.bench.kafka.KafkaBroker;
import io.twelvefold.bench.rabbitmq.RabbitBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The baseline of the outbox latency figures: the broker's own send-to-delivery latency at the same
 * rate, with the plain clients, the same guarantees as the transports (Kafka: {@code acks=all},
 * idempotent, {@code linger.ms=0}; RabbitMQ: persistent messages on a durable classic queue,
 * publisher confirms, manual acks) and a consumer in the same process, 64 keys.
 *
 * <pre>
 * kafka|rabbitmq [messages, 10000] [rate, 1000]
 * </pre>
 */
public final class BrokerLatencyFloor {
    private BrokerLatencyFloor() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: kafka|rabbitmq [messages] [rate]");
            System.exit(2);
        }
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        long[] latency = switch (args[0]) {
            case "kafka" -> kafka(messages, rate);
            case "rabbitmq" -> rabbitmq(messages, rate);
            default -> throw new IllegalArgumentException("kafka or rabbitmq, was '" + args[0] + "'");
        };
        Arrays.sort(latency);
        System.out.printf(Locale.ROOT, "floor %s messages=%d at %d/s, plain clients: send-to-delivery p50 %.1f ms,"
                + " p99 %.1f ms, max %.1f ms%n", args[0], messages, rate, latency[messages / 2] / 1e6,
                latency[(int) (messages * 0.99)] / 1e6, latency[messages - 1] / 1e6);
    }

    /** Waits until the message's due time at the rate; @return the send time to put in its payload */
    private static long pace(long start, int i, int rate) {
        long due = start + (long) i * 1_000_000_000L / rate;
        while (System.nanoTime() < due) {
            LockSupport.parkNanos(due - System.nanoTime());
        }
        return System.nanoTime();
    }

    private static long[] kafka(int messages, int rate) throws Exception {
        String topic = "latency-floor-" + UUID.randomUUID().toString().substring(0, 8);
        long[] latency = new long[messages];
        try (KafkaBroker broker = KafkaBroker.fromEnvironmentOrStart()) {
            Properties p = new Properties();
            p.put("bootstrap.servers", broker.bootstrapServers());
            p.put("acks", "all");
            p.put("enable.idempotence", "true");
            p.put("linger.ms", "0");
            Properties c = new Properties();
            c.put("bootstrap.servers", broker.bootstrapServers());
            c.put("group.id", topic);
            c.put("auto.offset.reset", "earliest");
            c.put("enable.auto.commit", "false");
            CountDownLatch all = new CountDownLatch(messages);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                    new StringSerializer())) {
                producer.send(new ProducerRecord<>(topic, "warm-up", "-1/0")).get(); // creates the topic
                Thread consumer = new Thread(() -> {
                    try (KafkaConsumer<String, String> k = new KafkaConsumer<>(c, new StringDeserializer(),
                            new StringDeserializer())) {
                        k.subscribe(List.of(topic));
                        while (all.getCount() > 0) {
                            for (ConsumerRecord<String, String> r : k.poll(Duration.ofMillis(100))) {
                                received(r.value(), latency, all);
                            }
                            k.commitAsync();
                        }
                    }
                }, "floor-consumer");
                consumer.start();
                long start = System.nanoTime() + 3_000_000_000L; // the consumer joins its group meanwhile
                for (int i = 0; i < messages; i++) {
                    long sent = pace(start, i, rate);
                    producer.send(new ProducerRecord<>(topic, "key-" + (i % 64), i + "/" + sent));
                }
                if (!all.await(5, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("only " + (messages - all.getCount()) + " messages arrived");
                }
                consumer.join();
            }
        }
        return latency;
    }

    private static long[] rabbitmq(int messages, int rate) throws Exception {
        String queue = "latency-floor-" + UUID.randomUUID().toString().substring(0, 8);
        long[] latency = new long[messages];
        CountDownLatch all = new CountDownLatch(messages);
        try (RabbitBroker broker = RabbitBroker.fromEnvironment()) {
            ConnectionFactory f = new ConnectionFactory();
            f.setUri(broker.uri());
            try (Connection publishing = f.newConnection(); Connection consuming = f.newConnection()) {
                Channel out = publishing.createChannel();
                out.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "classic"));
                out.confirmSelect();
                Channel in = consuming.createChannel();
                in.basicQos(256);
                in.basicConsume(queue, false, new DefaultConsumer(in) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties,
                            byte[] body) throws IOException {
                        received(new String(body, StandardCharsets.UTF_8), latency, all);
                        in.basicAck(envelope.getDeliveryTag(), false);
                    }
                });
                long start = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    long sent = pace(start, i, rate);
                    out.basicPublish("", queue, true, MessageProperties.PERSISTENT_BASIC,
                            (i + "/" + sent).getBytes(StandardCharsets.UTF_8));
                }
                out.waitForConfirmsOrDie(60_000);
                if (!all.await(5, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("only " + (messages - all.getCount()) + " messages arrived");
                }
                out.queueDelete(queue);
            }
        }
        return latency;
    }

    private static void received(String payload, long[] latency, CountDownLatch all) {
        long now = System.nanoTime();
        int slash = payload.indexOf('/');
        int seq = Integer.parseInt(payload.substring(0, slash));
        if (seq >= 0) {
            latency[seq] = now - Long.parseLong(payload.substring(slash + 1));
            all.countDown();
        }
    }
}
