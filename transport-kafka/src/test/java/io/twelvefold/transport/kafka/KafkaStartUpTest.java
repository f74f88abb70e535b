package io.twelvefold.transport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The class warm-up that overlaps the runtime's configuration loading. */
class KafkaStartUpTest {

    @Test
    @DisplayName("Every class the warm-up names exists in the Kafka client on the classpath (a rename would silently skip it)")
    void warmUpClassesExist() {
        List<String> all = new ArrayList<>(KafkaTransportProvider.WARM_UP_CLASSES);
        all.addAll(KafkaTransportProvider.WARM_UP_CLASSIC);
        all.addAll(KafkaTransportProvider.WARM_UP_KIP_848);
        ClassLoader loader = KafkaTransportProvider.class.getClassLoader();
        for (String name : all) {
            assertThatCode(() -> Class.forName(name, false, loader)).as(name).doesNotThrowAnyException();
        }
    }

    @Test
    @DisplayName("The warm-up runs only when the environment or a system property names kafka, the property first")
    void chosen() {
        assertThat(KafkaTransportProvider.chosen("kafka", null)).isTrue();
        assertThat(KafkaTransportProvider.chosen(" KAFKA ", null)).isTrue();
        assertThat(KafkaTransportProvider.chosen(null, "kafka")).isTrue();
        assertThat(KafkaTransportProvider.chosen("kafka", "rabbitmq")).isFalse();
        assertThat(KafkaTransportProvider.chosen("rabbitmq", null)).isFalse();
        assertThat(KafkaTransportProvider.chosen(null, null)).isFalse();
    }
}
