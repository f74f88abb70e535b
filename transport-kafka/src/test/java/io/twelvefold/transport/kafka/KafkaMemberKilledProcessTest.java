package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A member of a group killed with SIGKILL (a child JVM: it cannot leave the group) holds its
 * partitions until its session expires; with the transport's session timeout another member
 * processes them within 15 s of the kill (with the client's default of 45 s it would not).
 */
class KafkaMemberKilledProcessTest {
    private static final Duration RESUME_WITHIN = Duration.ofSeconds(15);
    private Process child;

    @AfterEach
    void kill() {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
        }
    }

    @Test
    @DisplayName("after a member's SIGKILL, another member of its group processes its partition within 15 s")
    void killedMembersPartitionResumes() throws Exception {
        String topic = "killed-" + UUID.randomUUID().toString().substring(0, 8);
        String group = "killed-group-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = Map.of("TWELVEFOLD_TRANSPORT", "kafka",
                "TWELVEFOLD_KAFKA_BOOTSTRAP_SERVERS", EmbeddedKafka.bootstrapServers(),
                "TWELVEFOLD_CHANNELS_ORDERS_DESTINATION", topic,
                "TWELVEFOLD_CHANNELS_ORDERS_FORMAT", "plain");
        List<String> processed = new CopyOnWriteArrayList<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()));
                KafkaProducer<String, String> producer = new KafkaProducer<>(
                        Map.of("bootstrap.servers", EmbeddedKafka.bootstrapServers()), new StringSerializer(),
                        new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (App survivor = App.builder().name(group).environment(env)
                    .processor("orders", String.class, (e, ctx) -> processed.add(e.data())).build().start()) {
                child = startMember(group, env);
                await("two members, a partition each").atMost(Duration.ofSeconds(90))
                        .until(() -> assignments(admin, group).stream()
                                .filter(m -> m.assignment().topicPartitions().size() == 1).count() == 2);

                // which partition is the survivor's: the one whose probe it processes
                producer.send(new ProducerRecord<>(topic, 0, "p0", "\"probe-0\"")).get();
                producer.send(new ProducerRecord<>(topic, 1, "p1", "\"probe-1\"")).get();
                await("the survivor's probe").atMost(Duration.ofSeconds(30))
                        .until(() -> processed.contains("probe-0") || processed.contains("probe-1"));
                int childPartition = processed.contains("probe-0") ? 1 : 0;

                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: no leave-group
                long killed = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, childPartition, "k", "\"after-kill\"")).get();
                await("the killed member's partition processed").atMost(Duration.ofSeconds(60))
                        .until(() -> processed.contains("after-kill"));
                Duration resumed = Duration.ofNanos(System.nanoTime() - killed);
                assertThat(resumed).as("from the SIGKILL to the killed member's partition processed again")
                        .isLessThan(RESUME_WITHIN);
                assertThat(survivor.state()).isEqualTo(App.State.READY);
            }
        }
    }

    private static Process startMember(String group, Map<String, String> env) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                OutageApp.class.getName()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("TWELVEFOLD_") || k.equals("PORT"));
        pb.environment().putAll(env);
        pb.environment().put("TWELVEFOLD_NAME", group);
        return pb.start();
    }

    private static Collection<MemberDescription> assignments(Admin admin, String group) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(10, TimeUnit.SECONDS);
        return d.members();
    }
}
