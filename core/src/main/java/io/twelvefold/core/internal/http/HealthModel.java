package io.twelvefold.core.internal.http;

import java.util.List;
import java.util.Objects;

/**
 * What the admin endpoint reports on {@code /health/*}: the runtime's view of its own health.
 *
 * <p>Implemented by the runtime. Every method is called on an admin thread for each probe, so
 * implementations must be thread-safe, cheap and non-blocking (read volatile state; never call
 * the broker).
 */
public interface HealthModel {

    /**
     * Whether the process can still do its work; {@code false} only when it is broken beyond repair
     * and should be restarted. A disconnected broker is not a liveness failure.
     *
     * @return the liveness
     */
    boolean live();

    /**
     * Whether the process should receive work: {@code false} while starting, draining or stopped,
     * and while a transport is disconnected.
     *
     * @return the readiness
     */
    boolean ready();

    /**
     * Whether startup has completed; stays {@code true} while draining and after.
     *
     * @return {@code true} once started
     */
    boolean started();

    /**
     * The lifecycle state: {@code starting}, {@code ready}, {@code draining} or {@code stopped}.
     *
     * @return the state, never null
     */
    String state();

    /**
     * The health of each subscription, in a stable order (the order of declaration).
     *
     * @return a snapshot, never null, empty when nothing is subscribed
     */
    List<SubscriptionHealth> subscriptions();

    /**
     * The health of the app's extensions (backing services such as a database), part of readiness.
     *
     * @return a snapshot, never null, empty when there is none
     */
    default List<ComponentHealth> components() {
        return List.of();
    }

    /**
     * The health of one extension.
     *
     * @param name the extension's name, never null
     * @param up whether it lets the app receive work
     * @param data what the check shows, never null
     */
    record ComponentHealth(String name, boolean up, java.util.Map<String, Object> data) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if name or data is null
         */
        public ComponentHealth {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * The health of one subscribed channel.
     *
     * @param channel the channel name, never null
     * @param destination the broker destination, never null
     * @param group the consumer group, never null
     * @param transport the transport name, for example {@code kafka}, never null
     * @param up whether the subscription is connected and consuming (or able to); a subscription
     *     that is down makes {@code /health/ready} DOWN
     * @param inFlight events delivered and not yet acknowledged
     * @param paused whether fetching is paused (back-pressure or draining)
     * @param detail why it is down or paused, in a few words; null when there is nothing to say
     */
    record SubscriptionHealth(String channel, String destination, String group, String transport,
            boolean up, int inFlight, boolean paused, String detail) {

        /**
         * Checks the non-null components.
         *
         * @throws NullPointerException if channel, destination, group or transport is null
         */
        public SubscriptionHealth {
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(transport, "transport");
        }
    }
}
