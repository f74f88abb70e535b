package io.twelvefold.core.internal;

import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles SIGTERM and SIGINT so that a stopped process exits 0 after its graceful stop, instead of
 * the 143/130 a JVM reports when a signal kills it. Uses {@code sun.misc.Signal} (module
 * jdk.unsupported) without naming it in the code, so that it compiles without warnings and runs
 * where the module is missing; there the shutdown hook alone stops the app.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    static void onTermination(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            // A SignalHandler made the way javac makes a lambda: a reflective Proxy would do too, but
            // costs about 10 ms more on every start.
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle handle = lookup.findStatic(Signals.class, "handle",
                    MethodType.methodType(void.class, Runnable.class, Object.class));
            Object handler = LambdaMetafactory.metafactory(lookup, "handle",
                    MethodType.methodType(handlerType, Runnable.class), MethodType.methodType(void.class, signal),
                    handle, MethodType.methodType(void.class, signal)).getTarget().invoke(action);
            for (String name : new String[] {"TERM", "INT"}) {
                Object sig = signal.getConstructor(String.class).newInstance(name);
                signal.getMethod("handle", signal, handlerType).invoke(null, sig, handler);
            }
        } catch (Throwable e) {
            if (e instanceof Error && !(e instanceof LinkageError)) {
                throw (Error) e;
            }
            LOG.debug("Signal handlers unavailable ({}); the shutdown hook stops the app", e.toString());
        }
    }

    /** The handler's body; {@code signal} is a {@code sun.misc.Signal}. */
    private static void handle(Runnable action, Object signal) {
        String name;
        try {
            name = String.valueOf(signal.getClass().getMethod("getName").invoke(signal));
        } catch (ReflectiveOperationException e) {
            name = String.valueOf(signal);
        }
        LOG.info("Received SIG{}: stopping gracefully", name);
        action.run();
    }
}
