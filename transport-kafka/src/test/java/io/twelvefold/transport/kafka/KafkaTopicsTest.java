package io.twelvefold.transport.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Topics the transport creates (the default) and topics an operator created ({@code create-topics=false}). */
class KafkaTopicsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    @DisplayName("By default the transport creates the topics it is asked for, with topic-partitions and topic-replication-factor")
    void createsTopics() throws Exception {
        String topic = unique("created");
        Map<String, String> p = new LinkedHashMap<>(EmbeddedKafka.transportProperties());
        p.put("topic-partitions", "3");
        Transport transport = transport(p);
        closeLater(transport.publisher(new PublisherRequest("orders", topic, Map.of())));
        // created on the topics' thread, while the app goes on creating its consumers
        await().atMost(TIMEOUT).ignoreExceptions().until(() -> describe(topic) != null);
        TopicDescription d = describe(topic);
        assertThat(d.partitions()).hasSize(3);
        assertThat(d.partitions().get(0).replicas()).hasSize(1);
        assertThat(topics()).as("nothing else: no dead-letter topic for an output").doesNotContain(topic + ".dlq");
    }

    @Test
    @DisplayName("create-topics=false: a missing topic fails the publisher's sends and the subscription, naming the topic, the channel and the setting")
    void missingTopics() throws Exception {
        Map<String, String> p = new LinkedHashMap<>(EmbeddedKafka.transportProperties());
        p.put("create-topics", "false");
        Transport transport = transport(p);
        String topic = unique("missing");
        Publisher publisher = closeLater(transport.publisher(new PublisherRequest("orders", topic, Map.of())));
        assertThatThrownBy(() -> publisher.send(new OutgoingMessage("k", Map.of("datacontenttype", "text/plain"),
                Map.of(), "hi".getBytes(UTF_8))).get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isExactlyInstanceOf(TransportException.class)
                .hasMessage("Kafka topic '" + topic + "' (channel 'orders') does not exist and "
                        + "twelvefold.kafka.create-topics (TWELVEFOLD_KAFKA_CREATE_TOPICS) is false; create the topic, "
                        + "or set TWELVEFOLD_KAFKA_CREATE_TOPICS=true to let the app create it");
        assertThatThrownBy(() -> transport.subscribe(new SubscriptionRequest("orders", topic, "g", 10, Map.of()),
                m -> { }))
                .isExactlyInstanceOf(TransportException.class)
                .hasMessageStartingWith("Kafka topic '" + topic + "' (channel 'orders') does not exist");
        assertThat(topics()).doesNotContain(topic);
    }

    @Test
    @DisplayName("create-topics=false: topics an operator created are used as they are, and nothing is created")
    void existingTopics() throws Exception {
        String topic = unique("existing");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Map<String, String> p = new LinkedHashMap<>(EmbeddedKafka.transportProperties());
        p.put("create-topics", "false");
        p.put("topic-partitions", "5");
        Transport transport = transport(p);
        List<IncomingMessage> received = new CopyOnWriteArrayList<>();
        closeLater(transport.subscribe(new SubscriptionRequest("orders", topic, unique("group"), 10, Map.of()), m -> {
            received.add(m);
            m.ack();
        }));
        Publisher publisher = closeLater(transport.publisher(new PublisherRequest("orders", topic, Map.of())));
        publisher.send(new OutgoingMessage("k", Map.of("datacontenttype", "text/plain"), Map.of(), "hi".getBytes(UTF_8)))
                .get(60, TimeUnit.SECONDS);
        await().atMost(TIMEOUT).until(() -> received.size() == 1);
        assertThat(describe(topic).partitions()).as("left as the operator made it").hasSize(2);
    }

    @Test
    @DisplayName("create-topics=false: an app whose dead-letter topic is missing does not start, and says which topic")
    void appWithoutItsDeadLetterTopic() throws Exception {
        String topic = unique("no-dlq");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        App app = closeLater(App.builder().transportProvider(new KafkaTransportProvider()).environment(Map.of())
                .config(EmbeddedKafka.config())
                .config("twelvefold.transport", "kafka")
                .config("twelvefold.kafka.create-topics", "false")
                .config("twelvefold.channels.orders.destination", topic)
                .processor("orders", String.class, (event, ctx) -> { })
                .build());
        assertThatThrownBy(app::start)
                .isInstanceOf(TransportException.class)
                .hasMessageStartingWith("Kafka topic '" + topic + ".dlq' (channel 'orders') does not exist and "
                        + "twelvefold.kafka.create-topics (TWELVEFOLD_KAFKA_CREATE_TOPICS) is false");
    }

    // ---------------------------------------------------------------------------------------------

    private static TopicDescription describe(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic);
        }
    }

    private static java.util.Set<String> topics() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()))) {
            return admin.listTopics().names().get(60, TimeUnit.SECONDS);
        }
    }

    private Transport transport(Map<String, String> properties) {
        return closeLater(new KafkaTransportProvider().create(new TestContext(properties)));
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    private static String unique(String prefix) {
        return "kafka-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
