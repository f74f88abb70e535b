package io.twelvefold.core.internal;

import io.twelvefold.core.Codec;
import io.twelvefold.core.internal.codec.JsonCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one place where Twelvefold spends effort to start faster, behind one switch:
 * {@code twelvefold.warm-up} ({@code TWELVEFOLD_WARM_UP}, default {@code true}). Everything here
 * is an optimisation: with the switch off, an app behaves the same, and its first event pays for
 * what is not prepared beforehand.
 *
 * <p>What a first event waits for on a cold JVM is Jackson: a first {@code ObjectMapper} and the
 * readers of the payload types cost a few hundred ms of CPU, mostly class loading, one class after
 * the other. So, from the moment the app is built (before the runtime's classes bind SLF4J, while
 * the providers are found, the configuration loads and the transport connects), daemon threads
 * prepare it:
 * <ul>
 *   <li>{@code twelvefold-warm-up-json}: the app's JSON codec builds its mapper, parser and
 *       generator and the reader and writer of each processor's payload type, nothing more (on a
 *       cold JVM every class loaded is CPU the start needs); once per codec and set of types;</li>
 *   <li>{@code twelvefold-warm-up-json-classes}: loads Jackson's classes without initialising them,
 *       from the end of {@code jackson-classes.txt} (what a first mapper loads, in order), so that
 *       the two threads meet in the middle; a name another Jackson version lacks is skipped;</li>
 *   <li>{@code twelvefold-warm-up-json-calendar}: makes the JDK's calendar data for
 *       {@code Locale.US}, which Jackson's date format asks for when {@code ObjectMapper}
 *       initialises (the JDK's first {@code Calendar} lists every locale: about a quarter of a first
 *       mapper's CPU).</li>
 * </ul>
 * The last two run once per JVM. Their effect, and class-data sharing as an alternative, are
 * measured in {@code bench/README.md}.
 *
 * <p>Not here, because they are not tricks but the lifecycle: the app's meters are registered a
 * second after READY ({@link AppMeters}); transports prepare their own client in their own way.
 * Loads no logging class.
 */
public final class StartupTuning {
    /** The class names, one per line; {@code #} starts a comment line. */
    static final String CLASS_LIST = "jackson-classes.txt";
    private static final AtomicBoolean JVM_WIDE_STARTED = new AtomicBoolean();
    /** The payload types each codec was warmed up for. */
    private static final Map<Codec, Set<Class<?>>> WARMED = new IdentityHashMap<>();

    private StartupTuning() {
    }

    /**
     * Starts the warm-up of an app, unless the switch is off or it ran for this codec and types.
     *
     * @param d what the builder declared
     * @return whether a warm-up thread was started
     */
    public static boolean start(Declaration d) {
        if (!enabled(d.environment()) || !(codec(d) instanceof JsonCodec json)) {
            return false;
        }
        Class<?>[] types = new Class<?>[d.processors().size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = d.processors().get(i).type();
        }
        return warmUp(json, types);
    }

    /**
     * Whether the warm-up is on: the system property {@code twelvefold.warm-up}, else the variable
     * {@code TWELVEFOLD_WARM_UP}, else on. Read here, before the configuration loads (which checks
     * the value like any other).
     */
    static boolean enabled(Map<String, String> environment) {
        String value = System.getProperty("twelvefold.warm-up");
        if (value == null) {
            value = environment.get("TWELVEFOLD_WARM_UP");
        }
        return value == null || value.isBlank() || !value.strip().equalsIgnoreCase("false");
    }

    /** Starts the threads for this codec and these types, unless done; @return whether it started any. */
    static boolean warmUp(JsonCodec json, Class<?>[] types) {
        synchronized (WARMED) {
            Set<Class<?>> done = WARMED.computeIfAbsent(json, c -> java.util.concurrent.ConcurrentHashMap.newKeySet());
            boolean anything = done.add(void.class);
            for (Class<?> type : types) {
                anything |= done.add(type);
            }
            if (!anything) {
                return false;
            }
        }
        if (JVM_WIDE_STARTED.compareAndSet(false, true)) {
            daemon(new CalendarData(), "twelvefold-warm-up-json-calendar");
            daemon(new ClassList(), "twelvefold-warm-up-json-classes");
        }
        daemon(new Mapper(json, types.clone()), "twelvefold-warm-up-json");
        return true;
    }

    static Codec codec(Declaration d) {
        return d.codecOrDefault();
    }

    private static void daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    /** The codec's mapper and the payload types' readers and writers. A class, not a lambda: lambdas cost start-up. */
    private static final class Mapper implements Runnable {
        private final JsonCodec codec;
        private final Class<?>[] types;

        Mapper(JsonCodec codec, Class<?>[] types) {
            this.codec = codec;
            this.types = types;
        }

        @Override
        public void run() {
            codec.warmUp(types);
        }
    }

    /** What Jackson's {@code StdDateFormat} makes when it initialises, made first. */
    private static final class CalendarData implements Runnable {
        @Override
        public void run() {
            try {
                new SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss zzz", Locale.US);
            } catch (RuntimeException e) {
                // the mapper's thread makes it then
            }
        }
    }

    /** Jackson's classes, loaded from the end of the list. */
    private static final class ClassList implements Runnable {
        @Override
        public void run() {
            ClassLoader loader = StartupTuning.class.getClassLoader();
            List<String> names = classNames();
            for (int i = names.size() - 1; i >= 0; i--) {
                try {
                    Class.forName(names.get(i), false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    // another Jackson version: the mapper loads what it needs itself
                }
            }
        }
    }

    /** @return the names in the class list, in order; empty if it cannot be read */
    static List<String> classNames() {
        List<String> names = new ArrayList<>(600);
        try (InputStream in = StartupTuning.class.getResourceAsStream(CLASS_LIST)) {
            if (in == null) {
                return names;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            // nothing preloaded: the warm-up thread loads everything itself
        }
        return names;
    }
}
