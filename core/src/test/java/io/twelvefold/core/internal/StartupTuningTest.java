package io.twelvefold.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.twelvefold.core.internal.codec.JsonCodec;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The start-up warm-up: started once per codec and set of types, on its own thread, behind its switch; the class list stays current. */
class StartupTuningTest {
    record Greeting(String name, int times) {
    }

    record Farewell(String name) {
    }

    /** A mapper that records which thread asked it for a reader of which type. */
    private static final class RecordingMapper extends ObjectMapper {
        final Queue<Map.Entry<String, Class<?>>> readers = new ConcurrentLinkedQueue<>();

        @Override
        public ObjectReader readerFor(Class<?> type) {
            readers.add(Map.entry(Thread.currentThread().getName(), type));
            return super.readerFor(type);
        }
    }

    @Test
    void theReadersArePreparedOnAWarmUpThreadOncePerType() {
        RecordingMapper mapper = new RecordingMapper();
        JsonCodec codec = new JsonCodec(mapper);

        assertThat(StartupTuning.warmUp(codec, new Class<?>[] {Greeting.class})).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> mapper.readers.contains(warmedUp(Greeting.class)));

        assertThat(StartupTuning.warmUp(codec, new Class<?>[] {Greeting.class})).isFalse();
        assertThat(StartupTuning.warmUp(codec, new Class<?>[] {Greeting.class, Farewell.class})).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> mapper.readers.contains(warmedUp(Farewell.class)));
        assertThat(mapper.readers).allMatch(e -> e.getKey().equals("twelvefold-warm-up-json"));

        // the first event uses the reader made beforehand
        byte[] json = codec.encode(new Greeting("Yoda", 3));
        assertThat(codec.decode(json, Greeting.class)).isEqualTo(new Greeting("Yoda", 3));
        assertThat(mapper.readers).filteredOn(e -> e.getValue() == Greeting.class).hasSize(1);
    }

    private static Map.Entry<String, Class<?>> warmedUp(Class<?> type) {
        return Map.entry("twelvefold-warm-up-json", type);
    }

    @Test
    void everyPreloadedClassExistsInThisJacksonVersion() throws Exception {
        List<String> names = StartupTuning.classNames();

        assertThat(names).hasSizeGreaterThan(300)
                .contains(ObjectMapper.class.getName(), ObjectReader.class.getName())
                .allMatch(n -> n.startsWith("com.fasterxml.jackson."));
        assertThat(new HashSet<>(names)).hasSameSizeAs(names);
        Set<String> missing = new HashSet<>();
        for (String name : names) {
            try {
                Class.forName(name, false, StartupTuningTest.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                missing.add(name);
            }
        }
        assertThat(missing).as("classes in %s that this Jackson version does not have: regenerate the list "
                + "as its header says", StartupTuning.CLASS_LIST).isEmpty();
    }

    @Test
    void theSwitchTurnsItOff() {
        assertThat(StartupTuning.enabled(Map.of())).isTrue();
        assertThat(StartupTuning.enabled(Map.of("TWELVEFOLD_WARM_UP", "true"))).isTrue();
        assertThat(StartupTuning.enabled(Map.of("TWELVEFOLD_WARM_UP", "FALSE"))).isFalse();
        Declaration off = new Declaration(null, List.of(new Declaration.ProcessorBinding<>("in", Greeting.class,
                (e, ctx) -> { })), Set.of(), List.of(), Map.of(), Map.of("TWELVEFOLD_WARM_UP", "false"), null, null,
                new JsonCodec(new RecordingMapper()), List.of(), List.of(), List.of(), Map.of(), List.of());
        assertThat(StartupTuning.start(off)).isFalse();
    }

}
