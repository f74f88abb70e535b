package io.twelvefold.core.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles SIGTERM and SIGINT so that a stopped process exits 0 after its graceful stop, instead of
 * the 143/130 a JVM reports when a signal kills it. Uses {@code sun.misc.Signal} (module
 * jdk.unsupported) through reflection; where it is missing, the shutdown hook alone stops the app.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    static void onTermination(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            InvocationHandler ih = (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                    LOG.info("Received SIG{}: stopping gracefully", args[0].getClass().getMethod("getName").invoke(args[0]));
                    action.run();
                    return null;
                }
                switch (method.getName()) {
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        return "twelvefold-signal-handler";
                }
            };
            Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler}, ih);
            for (String name : new String[] {"TERM", "INT"}) {
                Object sig = signal.getConstructor(String.class).newInstance(name);
                signal.getMethod("handle", signal, handler).invoke(null, sig, proxy);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.debug("Signal handlers unavailable ({}); the shutdown hook stops the app", e.toString());
        }
    }
}
