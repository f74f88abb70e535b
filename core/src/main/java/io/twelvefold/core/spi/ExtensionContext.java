package io.twelvefold.core.spi;

import io.twelvefold.core.Codec;
import io.twelvefold.core.EventPublisher;
import java.util.Map;

/** What the runtime gives an {@link Extension}. The SPI grows by adding methods here. */
public interface ExtensionContext {

    /** @return {@code twelvefold.name}, never null */
    String appName();

    /**
     * The extension's settings, under {@code twelvefold.<name>.} with that prefix removed, from every
     * source, defaults filled in.
     *
     * @return an immutable map, never null
     */
    Map<String, String> properties();

    /**
     * The environment the app reads (the process's, or the one a test gave the builder), for
     * variables outside {@code TWELVEFOLD_*} such as {@code DATABASE_URL}.
     *
     * @return an immutable map, never null
     */
    Map<String, String> environment();

    /**
     * The app's codec (JSON unless the builder set another): how payloads become bytes, for an
     * extension that stores events to send later.
     *
     * @return the codec, never null
     */
    Codec codec();

    /**
     * The app's publisher, to the channels it declared as outputs.
     *
     * @return the publisher, never null
     * @throws IllegalStateException before {@link Extension#start} (in {@code validate} or a command)
     */
    EventPublisher publisher();
}
