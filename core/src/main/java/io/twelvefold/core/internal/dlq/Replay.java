package io.twelvefold.core.internal.dlq;

import io.twelvefold.core.internal.Launcher;
import io.twelvefold.core.spi.DeadLetterStore;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.Transport;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code dlq replay} and {@code dlq purge}: one dead letter at a time, each removed only after
 * its replay was confirmed by the broker, so a run that stops half way replays nothing twice and
 * loses nothing. Not thread-safe; one per run.
 */
final class Replay {
    private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
    private static final long CONFIRM_TIMEOUT_SECONDS = 30;

    private final Transport transport;
    private final DeadLetterStore store;
    private final Map<String, DlqCommand.Source> byChannel = new LinkedHashMap<>();
    private final DlqOptions o;
    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, Publisher> publishers = new LinkedHashMap<>();
    private final Set<List<Object>> blocked = new HashSet<>();
    private long nextSendNanos = System.nanoTime();

    Replay(Transport transport, DeadLetterStore store, List<DlqCommand.Source> sources, DlqOptions o,
            PrintStream out, PrintStream err) {
        this.transport = transport;
        this.store = store;
        for (DlqCommand.Source s : sources) {
            byChannel.putIfAbsent(s.channel(), s);
        }
        this.o = o;
        this.out = out;
        this.err = err;
    }

    /**
     * Replays the selected ones of the browsed dead letters, in order.
     *
     * @return the exit status: 0 when nothing failed, 1 otherwise
     */
    int run(List<DeadLetter> browsed) {
        Counts n = new Counts();
        try {
            for (DeadLetter d : browsed) {
                if (!o.selection().test(d)) {
                    block(d);
                    continue;
                }
                n.selected++;
                if (blocked(d)) {
                    n.skipped++;
                } else if (d.replays() >= o.maxReplays()) {
                    n.skipped++;
                    block(d);
                    out.printf("skipped %s: replayed %d time(s) already (--max-replays %d)%n", d.id(), d.replays(),
                            o.maxReplays());
                } else if (replay(d)) {
                    n.replayed++;
                } else {
                    n.failed++;
                    block(d);
                }
            }
        } finally {
            publishers.values().forEach(Publisher::close);
        }
        String summary = String.format("dlq replay%s: selected %d, %s %d, skipped %d, failed %d%s",
                o.dryRun() ? " --dry-run" : "", n.selected, o.dryRun() ? "would replay" : "replayed", n.replayed,
                n.skipped, n.failed, o.dryRun() ? "; nothing was changed" : "");
        LOG.info("{}", summary);
        out.println(summary);
        return n.failed == 0 ? Launcher.OK : Launcher.FAILED;
    }

    /** What a replay did. */
    private static final class Counts {
        int selected;
        int replayed;
        int skipped;
        int failed;
    }

    /** @return whether it was replayed (or would be, in a dry run) */
    private boolean replay(DeadLetter d) {
        String target = o.to() != null ? o.to() : d.originalDestination();
        if (target == null) {
            err.printf("Dead letter %s has no twelvefold-dlq-original-destination header; replay it with "
                    + "--to <destination>%n", d.id());
            return false;
        }
        if (o.dryRun()) {
            out.printf("would replay %s (key %s) to '%s'%n", d.id(), d.stored().key(), target);
            return true;
        }
        return send(d, target);
    }

    /**
     * On a store that removes in order (Kafka), a dead letter that stays (not selected, skipped or
     * failed) keeps every later one of its partition where it is: removing those would remove it too.
     */
    private void block(DeadLetter d) {
        if (store.removesInOrder()) {
            blocked.add(partitionOf(d));
        }
    }

    private boolean blocked(DeadLetter d) {
        if (!blocked.contains(partitionOf(d))) {
            return false;
        }
        out.printf("skipped %s: an earlier dead letter of %s partition %d stays, and this transport removes dead "
                + "letters in order%n", d.id(), d.stored().destination(), d.stored().partition());
        return true;
    }

    private static List<Object> partitionOf(DeadLetter d) {
        return List.of(d.stored().destination(), d.stored().group(), d.stored().partition());
    }

    /** Sends one, waits for the broker's confirmation, then removes the dead letter. */
    private boolean send(DeadLetter d, String target) {
        pace();
        try {
            publisher(d, target).send(d.replay()).get(CONFIRM_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            err.printf("Dead letter %s was not replayed to '%s' and stays: %s%n", d.id(), target, cause);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.printf("Dead letter %s: interrupted before its replay was confirmed; it stays%n", d.id());
            return false;
        }
        if (!store.remove(d.stored())) {
            err.printf("Dead letter %s was replayed to '%s' but another process removed it meanwhile%n", d.id(), target);
        }
        out.printf("replayed %s (key %s) to '%s'%n", d.id(), d.stored().key(), target);
        return true;
    }

    private Publisher publisher(DeadLetter d, String target) {
        return publishers.computeIfAbsent(target, t -> {
            DlqCommand.Source s = byChannel.get(d.channel());
            return transport.publisher(new PublisherRequest(s != null ? s.channel() : t, t,
                    s != null ? s.options() : Map.of()));
        });
    }

    /** Waits until the next send is due under {@code --rate}. */
    private void pace() {
        if (o.rate() <= 0) {
            return;
        }
        long wait;
        while ((wait = nextSendNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        nextSendNanos = Math.max(nextSendNanos, System.nanoTime()) + (long) (1_000_000_000L / o.rate());
    }

    /**
     * Removes the selected ones of the browsed dead letters.
     *
     * @return 0 when purged, 2 when {@code --yes} is missing (nothing removed)
     */
    int purge(List<DeadLetter> browsed) {
        List<DeadLetter> selected = browsed.stream().filter(o.selection()::test).toList();
        if (!o.yes()) {
            err.printf("dlq purge would remove %d dead letter(s) for good; run it again with --yes to remove them%n",
                    selected.size());
            return Launcher.USAGE;
        }
        int removed = 0;
        int skipped = 0;
        for (DeadLetter d : browsed) {
            if (!o.selection().test(d)) {
                block(d);
            } else if (blocked(d)) {
                skipped++;
            } else if (store.remove(d.stored())) {
                removed++;
            }
        }
        String summary = String.format("dlq purge: selected %d, removed %d%s", selected.size(), removed,
                skipped == 0 ? "" : ", skipped " + skipped);
        LOG.info("{}", summary);
        out.println(summary);
        return Launcher.OK;
    }
}
