package io.twelvefold.core.internal;

/** Where the runtime is in its lifecycle; {@code App.State} shows it to users. */
public enum Phase {
    /** Built or starting: connecting, subscribing, running start hooks. */
    STARTING,
    /** Subscribed and processing. */
    READY,
    /** Stopping: fetching stopped, in-flight events finishing. */
    DRAINING,
    /** Stopped. */
    STOPPED
}
