package io.twelvefold.core.internal.dispatch;

import io.twelvefold.core.Codec;
import io.twelvefold.core.DeadLetterHeaders;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.ProcessorInterceptor;
import io.twelvefold.core.internal.ChannelSettings;
import io.twelvefold.core.spi.IncomingMessage;
import io.twelvefold.core.spi.MessageHandler;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.Subscription;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The delivery contract of one subscribed channel, independent of the transport
 * ({@code docs/delivery.md}); the transport pushes its messages here.
 *
 * <p>It wires a few parts, each with one job:
 * <ul>
 *   <li>{@link LaneScheduler}: lanes per key, the worker slots and the one lock; a key's events run
 *       one at a time and in order, keys run concurrently up to {@code concurrency}, short attempts
 *       may run on the delivery thread ({@link InlinePolicy});</li>
 *   <li>{@link Ledger}: each delivery's {@link Stage}, the in-order acknowledgement per key
 *       ({@link AckSequencer}), rewinds, the in-flight bound ({@link InFlightBound}), what a stop
 *       and a revocation wait for;</li>
 *   <li>{@link AttemptRunner}: one attempt through the processing chain ({@link Steps}: the
 *       framework's {@link TraceStep}, {@link TimerStep} and {@link RetryDecision}, then the user's
 *       interceptors, then the processor);</li>
 *   <li>{@link RetryPolicy}, {@link BrokerHandOff} and {@link DeadLetterer}: what a failure leads to.</li>
 * </ul>
 *
 * <p>Threads: the transport's delivery thread calls {@link #onMessage} (one call at a time); the
 * workers run attempts; the callback executor handles the broker's answers (confirmations, dead
 * letters, hand-offs), never the transport's thread that completes them; the timer ends retry
 * delays. Thread-safe.
 *
 * @param <T> the payload type
 */
public final class Dispatcher<T> implements MessageHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final ChannelSettings settings;
    private final ChannelMetrics metrics;
    private final LaneScheduler scheduler;
    private volatile String cancelled;

    /**
     * What a dispatcher is made of.
     *
     * @param settings the channel's settings
     * @param type the payload class
     * @param processor the processor
     * @param interceptors the user's interceptors of every channel, in order
     * @param channelInterceptors the user's interceptors of this channel, in order, after the others
     * @param codec the codec
     * @param appName {@code twelvefold.name}, the default source of plain input
     * @param outputs the publishers of the output channels
     * @param deadLetters the publisher of the dead-letter destination, or null for a channel without one
     * @param nonRetryable exception types never retried
     * @param workers runs the workers ({@code concurrency} threads are enough)
     * @param callbacks runs the broker's answers: one thread of the dispatcher's own, never a transport's
     * @param timer ends retry delays; shared, so nothing that may block runs on it
     * @param transportName the {@code transport} tag of the meters
     * @param inlineBelowNanos attempts shorter than this on average run on the delivery thread; 0 for
     *     never (and always 0 when the transport does not allow it)
     * @param <T> the payload type
     */
    public record Setup<T>(ChannelSettings settings, Class<T> type, EventProcessor<T> processor,
            List<ProcessorInterceptor> interceptors, List<ProcessorInterceptor> channelInterceptors, Codec codec,
            String appName, Outputs outputs, Publisher deadLetters, List<Class<? extends Throwable>> nonRetryable,
            Executor workers, Executor callbacks, ScheduledExecutorService timer, String transportName,
            long inlineBelowNanos) {
    }

    /**
     * Wires a dispatcher; it processes nothing until a transport delivers to it.
     *
     * @param s its parts
     */
    public Dispatcher(Setup<T> s) {
        this.settings = s.settings();
        InlinePolicy inline = new InlinePolicy(s.inlineBelowNanos());
        RetryPolicy retries = new RetryPolicy(settings, s.nonRetryable());
        this.scheduler = new LaneScheduler(settings, s.workers(), s.timer(), inline, retries);
        this.metrics = new ChannelMetrics(s.transportName(), settings, scheduler::inFlight, scheduler::parked);
        BrokerHandOff handOff = new BrokerHandOff(settings, scheduler, s.callbacks(), retries);
        DeadLetterer deadLetterer = new DeadLetterer(settings, s.deadLetters(), scheduler, retries, metrics,
                s.callbacks(), s.timer());
        List<ProcessorInterceptor> user = new ArrayList<>(s.interceptors());
        user.addAll(s.channelInterceptors());
        Steps<T> steps = new Steps<>(settings.channel(), s.type(), s.processor(), frameworkSteps(retries), user);
        scheduler.attempts(new AttemptRunner<>(settings, s.type(), new Wire(settings, s.codec(), s.appName()),
                s.outputs(), steps, scheduler, handOff, deadLetterer, inline, metrics, s.callbacks()));
    }

    /** The framework's own steps, outermost first: trace context and MDC, the processing timer, the retry decision. */
    private List<ProcessorInterceptor> frameworkSteps(RetryPolicy retries) {
        List<ProcessorInterceptor> framework = new ArrayList<>(3);
        if (TraceStep.wanted()) {
            framework.add(new TraceStep(settings.channel(), MDC.getMDCAdapter()));
        }
        framework.add(new TimerStep(metrics));
        framework.add(new RetryDecision(retries, settings.channel()));
        return framework;
    }

    /**
     * Checks, at build time, that every channel with interceptors of its own has a processor.
     *
     * @param channelInterceptors the interceptors registered for one channel, by channel
     * @param processors the channels that have a processor
     * @throws IllegalArgumentException naming the channels without a processor
     */
    public static void checkInterceptedChannels(Map<String, List<ProcessorInterceptor>> channelInterceptors,
            Set<String> processors) {
        Steps.checkChannels(channelInterceptors, processors);
    }

    /** @return the channel's settings, never null */
    public ChannelSettings settings() {
        return settings;
    }

    /** @return the channel's meters, to register once the app is ready ({@link ChannelMetrics#bind}) */
    public ChannelMetrics metrics() {
        return metrics;
    }

    /**
     * Attaches the subscription the transport returned; messages may have arrived before.
     *
     * @param s the subscription, never null
     */
    public void bind(Subscription s) {
        scheduler.bind(s);
    }

    /** @return the messages delivered and neither acknowledged nor dropped */
    public int inFlight() {
        return scheduler.inFlight();
    }

    /** @return the events of {@link #inFlight()} that wait behind a retry delay of their key */
    public int parked() {
        return scheduler.parked();
    }

    /** @return whether the subscription is paused (at {@code max-in-flight}, or stopping) */
    public boolean paused() {
        return scheduler.paused();
    }

    /** @return why the broker cancelled the subscription, or null while it has not */
    public String cancelled() {
        return cancelled;
    }

    @Override
    public void onMessage(IncomingMessage message) {
        metrics.consumed();
        if (message.headers().containsKey(DeadLetterHeaders.REPLAY_COUNT)) {
            metrics.replayed();
        }
        Delivery here = scheduler.admit(message);
        if (here != null) {
            scheduler.runInline(here);
        }
    }

    @Override
    public void onPartitionsRevoked(Set<Integer> partitions) {
        scheduler.revoke(partitions);
    }

    @Override
    public void onCancelled(String reason) {
        cancelled = reason;
        LOG.error("Channel '{}': the broker cancelled the subscription to '{}': {}", settings.channel(),
                settings.destination(), reason);
    }

    // ---------------------------------------------------------------- graceful stop

    /** Step 2 of the shutdown order: stop fetching and start no new attempt; pending retry delays end. */
    public void stopFetching() {
        scheduler.stopFetching();
    }

    /**
     * Step 3: waits until no event is being processed or confirmed, up to the deadline; then
     * acknowledges nothing more.
     *
     * @param deadlineNanos the deadline, a {@link System#nanoTime()} value
     * @return the number of events still running or unconfirmed at the deadline (they will not be
     *     acknowledged)
     */
    public int awaitIdle(long deadlineNanos) {
        return scheduler.awaitIdle(deadlineNanos);
    }

    /** Step 5: leave the group; everything not acknowledged is delivered again. */
    public void closeSubscription() {
        Subscription s = scheduler.subscription();
        if (s != null) {
            s.close();
        }
    }
}
