package io.twelvefold.core.internal.codec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Loads Jackson's classes on a second thread while the JSON warm-up builds the first mapper.
 *
 * <p>On a cold JVM, a first {@code ObjectMapper} is mostly class loading (reading, parsing and
 * defining some 570 classes), done one after the other by the thread that builds it. On a
 * small machine that thread shares the CPUs with the main thread (configuration, broker
 * connection) and the JIT compilers, and the first event waits for it. This second thread loads
 * the same classes (without initialising them) from the end of the list in
 * {@code jackson-classes.txt}, so the two meet in the middle; a class either thread finds loaded
 * costs a lookup. A name that does not exist (another Jackson version) is skipped.
 *
 * <p>A third thread makes the JDK's calendar data ready: {@code ObjectMapper}'s class
 * initialisation makes a {@code SimpleDateFormat} for {@code Locale.US}, whose first
 * {@code Calendar} lists every locale the JDK has (about a quarter of a first mapper's CPU). The
 * JDK caches what it finds, so the mapper's thread finds it made, or makes it beside.
 */
final class JacksonPreload implements Runnable {
    /** The class names, one per line; {@code #} starts a comment line. */
    static final String RESOURCE = "jackson-classes.txt";
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private JacksonPreload() {
    }

    /** Starts the preloading threads, once per JVM. */
    static void startOnce() {
        if (STARTED.compareAndSet(false, true)) {
            startDaemon(new CalendarData(), "twelvefold-warm-up-json-calendar");
            startDaemon(new JacksonPreload(), "twelvefold-warm-up-json-classes");
        }
    }

    /** Starts a daemon thread of the JSON warm-up. */
    static void startDaemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
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

    @Override
    public void run() {
        ClassLoader loader = JacksonPreload.class.getClassLoader();
        List<String> names = names();
        for (int i = names.size() - 1; i >= 0; i--) {
            try {
                Class.forName(names.get(i), false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // another Jackson version: the mapper loads what it needs itself
            }
        }
    }

    /** @return the names in the resource, in order; empty if it cannot be read */
    static List<String> names() {
        List<String> names = new ArrayList<>(600);
        try (InputStream in = JacksonPreload.class.getResourceAsStream(RESOURCE)) {
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
