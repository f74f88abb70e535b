package io.twelvefold.core.internal;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the transport at start, again and again while the broker cannot be reached, until
 * {@code twelvefold.start-timeout}: one WARN per different reason, nothing while it stays the same,
 * waits growing from 0.5 s to 5 s. A stop request ends the wait.
 */
final class Connector {
    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final Duration LONGEST_RETRY = Duration.ofSeconds(5);

    private final TransportProvider provider;
    private final TransportContext context;
    private final Duration startTimeout;
    private final CountDownLatch stopRequested;

    Connector(TransportProvider provider, TransportContext context, Duration startTimeout,
            CountDownLatch stopRequested) {
        this.provider = provider;
        this.context = context;
        this.startTimeout = startTimeout;
        this.stopRequested = stopRequested;
    }

    /**
     * @return the transport, or null when a stop came first
     * @throws TransportException when the broker could not be reached before the start timeout
     */
    Transport connect() {
        long started = System.nanoTime();
        long deadline = started + startTimeout.toNanos();
        Duration delay = FIRST_RETRY;
        String lastReason = null;
        while (true) {
            try {
                Transport t = provider.create(context);
                if (lastReason != null) {
                    LOG.info("Transport '{}' connected after {}", provider.name(),
                            Engine.text(Duration.ofNanos(System.nanoTime() - started)));
                }
                return t;
            } catch (TransportException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw lastReason == null ? e : new TransportException(e.getMessage() + "; gave up after "
                            + Engine.text(startTimeout) + " (twelvefold.start-timeout / TWELVEFOLD_START_TIMEOUT)", e);
                }
                if (!e.getMessage().equals(lastReason)) {
                    lastReason = e.getMessage();
                    LOG.warn("{}; trying again for up to {} from the start (twelvefold.start-timeout / "
                            + "TWELVEFOLD_START_TIMEOUT), readiness DOWN meanwhile", lastReason, Engine.text(startTimeout));
                }
                if (awaitStop(Math.min(delay.toNanos(), left))) {
                    return null;
                }
                delay = delay.multipliedBy(2).compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : delay.multipliedBy(2);
            }
        }
    }

    private boolean awaitStop(long nanos) {
        try {
            return stopRequested.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
