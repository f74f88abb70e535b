package io.twelvefold.core.spi;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/**
 * What the runtime gives a transport when it creates it. The SPI grows by adding methods here.
 */
public interface TransportContext {

    /**
     * The configuration under {@code twelvefold.<name>.}, with that prefix removed
     * ({@code bootstrap-servers} for {@code twelvefold.kafka.bootstrap-servers}), from every
     * source: environment variables, system properties and the application's own map.
     *
     * @return an immutable map, never null
     */
    Map<String, String> properties();

    /**
     * The registry for the transport's own meters. The runtime builds it on another thread once the
     * app is READY, or at the first call if that comes sooner, and the call waits for it (about
     * 100 ms of CPU on a cold JVM): call it off the start path (after the first events, or a few
     * seconds after {@code create}), counting in the meantime, so that Micrometer does not take CPU
     * from the start-up. A transport that registers no meter need not call this.
     *
     * @return the registry, never null
     */
    MeterRegistry meterRegistry();
}
