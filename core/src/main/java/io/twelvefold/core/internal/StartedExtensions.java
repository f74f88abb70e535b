package io.twelvefold.core.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.Codec;
import io.twelvefold.core.EventPublisher;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.ExtensionContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app's extensions once started: started in registration order, stopped in reverse order (a
 * failing one does not stop the others), their meters bound at READY, their health read at any time.
 * Thread-safe.
 */
final class StartedExtensions {
    private static final Logger LOG = LoggerFactory.getLogger(StartedExtensions.class);

    /** The extensions started so far, in start order. */
    private final List<Extension> started = new CopyOnWriteArrayList<>();

    /** Starts each extension with its context; one that throws stops the start (the caller abandons it). */
    void start(List<Extension> extensions, String appName, Map<String, Map<String, String>> properties,
            Map<String, String> environment, Codec codec, Supplier<EventPublisher> publisher) {
        for (Extension e : extensions) {
            e.start(new Context(appName, properties.getOrDefault(e.name(), Map.of()), environment, codec, publisher));
            started.add(e);
        }
    }

    /** Hands the app's registry to each started extension, at READY. */
    void onReady(MeterRegistry registry) {
        for (Extension e : started) {
            e.onReady(registry);
        }
    }

    /** Stops the started extensions, the last started first. */
    void stop() {
        List<Extension> stopping = new ArrayList<>(started);
        Collections.reverse(stopping);
        started.clear();
        for (Extension e : stopping) {
            try {
                e.stop();
            } catch (RuntimeException ex) {
                LOG.error("Extension '{}' failed to stop; stopping the others: {}", e.name(), ex.toString(), ex);
            }
        }
    }

    /** @return the extensions started so far, for their health */
    List<Extension> list() {
        return Collections.unmodifiableList(started);
    }

    /** What a started extension gets: its settings and the app's publisher. */
    private record Context(String appName, Map<String, String> properties, Map<String, String> environment,
            Codec codec, Supplier<EventPublisher> publishers) implements ExtensionContext {
        @Override
        public EventPublisher publisher() {
            return publishers.get();
        }
    }
}
