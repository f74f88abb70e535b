package io.twelvefold.core.internal;

import io.twelvefold.core.internal.dispatch.Dispatcher;
import io.twelvefold.core.internal.http.HealthModel;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.ExtensionHealth;
import io.twelvefold.core.spi.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Health as {@code /health/*} reports it, read from the runtime's volatile state: live while the
 * process runs, started once READY was reached, ready while READY and every subscription is up.
 */
final class RuntimeHealth implements HealthModel {
    private final Engine engine;

    RuntimeHealth(Engine engine) {
        this.engine = engine;
    }

    @Override
    public boolean live() {
        return true;
    }

    @Override
    public boolean ready() {
        if (engine.phase() != Phase.READY) {
            return false;
        }
        for (SubscriptionHealth s : subscriptions()) {
            if (!s.up()) {
                return false;
            }
        }
        for (ComponentHealth c : components()) {
            if (!c.up()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<ComponentHealth> components() {
        List<ComponentHealth> result = new ArrayList<>();
        for (Extension e : engine.extensions()) {
            ExtensionHealth h;
            try {
                h = e.health();
            } catch (RuntimeException ex) {
                h = new ExtensionHealth(false, java.util.Map.of("detail", "health check failed: " + ex));
            }
            result.add(new ComponentHealth(e.name(), h.up(), h.data()));
        }
        return result;
    }

    @Override
    public boolean started() {
        Phase p = engine.phase();
        return p != Phase.STARTING && engine.reachedReady();
    }

    @Override
    public String state() {
        return engine.phase().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public List<SubscriptionHealth> subscriptions() {
        Transport t = engine.transport();
        boolean connected = t != null && t.connected();
        String transport = engine.transportName();
        List<SubscriptionHealth> result = new ArrayList<>();
        for (Dispatcher<?> d : engine.dispatchers()) {
            ChannelSettings s = d.settings();
            String cancelled = d.cancelled();
            boolean up = connected && cancelled == null;
            String detail = cancelled != null ? "cancelled by the broker: " + cancelled
                    : !connected ? "transport disconnected" : d.paused() ? "paused" : null;
            result.add(new SubscriptionHealth(s.channel(), s.destination(), s.group(), transport, up, d.inFlight(),
                    d.paused(), detail));
        }
        return result;
    }
}
