package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.spi.Subscription;

/** A subscription that records whether it is paused and closed. */
final class FakeSubscription implements Subscription {
    volatile boolean paused;
    volatile boolean closed;

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
    }

    @Override
    public void close() {
        closed = true;
    }
}
