package io.twelvefold.bench.startup;

import java.util.concurrent.CountDownLatch;

/**
 * The baseline of {@link StartupHarness}: a JVM that prints {@code ready} and waits for SIGTERM,
 * doing nothing else. Whatever Twelvefold adds to start-up and shutdown is measured against it.
 */
public final class IdleBaseline {
    private IdleBaseline() {
    }

    /**
     * Prints {@code ready} and blocks until the JVM shuts down.
     *
     * @param args ignored
     * @throws InterruptedException never in practice
     */
    public static void main(String[] args) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        System.out.println("ready");
        System.out.flush();
        stop.await();
    }
}
