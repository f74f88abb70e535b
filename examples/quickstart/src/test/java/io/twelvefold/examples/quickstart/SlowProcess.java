package io.twelvefold.examples.quickstart;

import io.twelvefold.core.App;
import io.twelvefold.testkit.DeliveryCounts;
import io.twelvefold.transport.inmemory.InMemoryTransportProvider;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A process for {@link ShutdownIT}: publishes {@code SLOW_EVENTS} events whose processing takes
 * {@code SLOW_MILLIS} each, and reports on stdout what began, what completed, and (from a stop
 * hook, after the transport closed) how often each event was acknowledged.
 */
public final class SlowProcess {
    private SlowProcess() {
    }

    /**
     * Runs the process until SIGTERM.
     *
     * @param args passed to {@link App.Builder#run(String...)}
     */
    public static void main(String[] args) {
        int events = Integer.parseInt(System.getenv().getOrDefault("SLOW_EVENTS", "1000"));
        long millis = Long.parseLong(System.getenv().getOrDefault("SLOW_MILLIS", "50"));
        DeliveryCounts counts = DeliveryCounts.create();
        App.builder()
                .transportProvider(counts.wrap(new InMemoryTransportProvider()))
                .processor("work", Integer.class, (event, ctx) -> {
                    System.out.println("begin " + event.id());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
                    System.out.println("completed " + event.id());
                })
                .output("work")
                .onStart(app -> {
                    for (int i = 0; i < events; i++) {
                        app.publisher().publish("work", "key-" + i, i);
                    }
                    System.out.println("published " + events);
                })
                .onStop(() -> System.out.println("stop hook A"))
                .onStop(() -> {
                    System.out.println("stop hook B");
                    Map<String, Integer> acks = new TreeMap<>(counts.acks());
                    acks.forEach((id, n) -> System.out.println("acked " + id + " " + n));
                    System.out.println("acks reported");
                })
                .run(args);
    }
}
