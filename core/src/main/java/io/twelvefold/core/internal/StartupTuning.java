package io.twelvefold.core.internal;

import io.twelvefold.core.Codec;
import io.twelvefold.core.internal.codec.JsonCodec;

/**
 * Starts the JSON warm-up of an app as early as possible: {@link io.twelvefold.core.App.Builder}
 * calls it before anything touches {@link Bootstrap}, whose class initialisation binds SLF4J (tens of
 * ms on a cold JVM). Jackson's first mapper and the payload
 * types' readers cost a few hundred ms of CPU on a cold JVM, which the first event (not READY)
 * needs. Loads no logging class itself.
 */
public final class StartupTuning {
    private StartupTuning() {
    }

    /**
     * Builds the default JSON mapper and the processors' payload readers on a daemon thread, when the
     * app uses a JSON codec and that has not started yet for these types; nothing otherwise.
     *
     * @param d what the builder declared
     */
    public static void start(Declaration d) {
        if (codec(d) instanceof JsonCodec json) {
            Class<?>[] types = new Class<?>[d.processors().size()];
            for (int i = 0; i < types.length; i++) {
                types[i] = d.processors().get(i).type();
            }
            json.warmUpInBackground(types);
        }
    }

    static Codec codec(Declaration d) {
        return d.codecOrDefault();
    }
}
