package io.twelvefold.transport.rabbitmq;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The tests' SLF4J backend: prints INFO and above to standard error, like slf4j-simple, and keeps
 * every event of INFO and above so that a test can assert what the transport logged (one WARN on a
 * lost connection, no stack trace on a failed start). Events are numbered; a test takes a
 * {@link #mark()} and reads what came after it.
 */
public final class CapturedLogs {
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final List<Event> EVENTS = new ArrayList<>();
    private static final int MAX_EVENTS = 100_000;

    private CapturedLogs() {
    }

    /**
     * A logged event.
     *
     * @param sequence its number
     * @param level its level
     * @param logger the logger's name
     * @param thread the thread that logged it
     * @param message the formatted message
     * @param thrown the exception logged with it, or null
     */
    record Event(long sequence, Level level, String logger, String thread, String message, Throwable thrown) {
        @Override
        public String toString() {
            return level + " [" + thread + "] " + logger + " - " + message + (thrown == null ? "" : " (" + thrown + ")");
        }
    }

    /** @return the number of the last event so far */
    static long mark() {
        return SEQUENCE.get();
    }

    /** @return the events after the mark, in order */
    static List<Event> since(long mark) {
        synchronized (EVENTS) {
            List<Event> result = new ArrayList<>();
            for (Event e : EVENTS) {
                if (e.sequence() > mark) {
                    result.add(e);
                }
            }
            return result;
        }
    }

    private static void add(Event e) {
        synchronized (EVENTS) {
            if (EVENTS.size() >= MAX_EVENTS) {
                EVENTS.subList(0, MAX_EVENTS / 2).clear();
            }
            EVENTS.add(e);
        }
    }

    /** The logger: INFO and above. */
    private static final class CapturingLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        CapturingLogger(String name) {
            this.name = name;
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                Throwable throwable) {
            String message = MessageFormatter.basicArrayFormat(pattern, arguments);
            Event e = new Event(SEQUENCE.incrementAndGet(), level, name, Thread.currentThread().getName(), message,
                    throwable);
            add(e);
            PrintStream err = System.err;
            synchronized (err) {
                err.println(e.level() + " [" + e.thread() + "] " + name + " - " + message);
                if (throwable != null) {
                    throwable.printStackTrace(err);
                }
            }
        }
    }

    /** Found by SLF4J through {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}. */
    public static final class Provider implements SLF4JServiceProvider {
        private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
        private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, CapturingLogger::new);
        private final IMarkerFactory markers = new BasicMarkerFactory();
        private final MDCAdapter mdc = new NOPMDCAdapter();

        /** Called by {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public ILoggerFactory getLoggerFactory() {
            return factory;
        }

        @Override
        public IMarkerFactory getMarkerFactory() {
            return markers;
        }

        @Override
        public MDCAdapter getMDCAdapter() {
            return mdc;
        }

        @Override
        public String getRequestedApiVersion() {
            return "2.0.99";
        }

        @Override
        public void initialize() {
            // nothing to set up
        }
    }
}
