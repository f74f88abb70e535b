package io.twelvefold.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The steps an event still has to go through, carried by the event itself in the header
 * {@value #HEADER} (channel names separated by commas): the state of a mediator topology's flow
 * travels with the event instead of living in a process, so any instance of any step can continue
 * any flow, and every step can be killed at any moment.
 *
 * <p>A mediator attaches a slip when it decides the route; each step processes the event and
 * {@linkplain #forward forwards} it to the next channel of the slip, which is removed as it is taken:
 *
 * <pre>{@code
 * // the mediator decides the route once: to "jedi", then "enlisted"
 * RoutingSlip.of("jedi", "enlisted").start(event, ctx);
 * // the "jedi" step does its work, then hands the event on: to "enlisted", without a slip
 * RoutingSlip.forward(event, ctx);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class RoutingSlip {
    /** The header that carries the remaining steps. */
    public static final String HEADER = "twelvefold-routing-slip";

    private final List<String> channels;

    private RoutingSlip(List<String> channels) {
        this.channels = Collections.unmodifiableList(new ArrayList<>(channels));
    }

    /**
     * A slip with these steps, in order.
     *
     * @param channels the channels the event goes through, at least one, each a valid channel name
     * @return the slip, never null
     * @throws IllegalArgumentException for no channel, a blank one or one with a comma
     */
    public static RoutingSlip of(String... channels) {
        if (channels.length == 0) {
            throw new IllegalArgumentException("A routing slip needs at least one channel");
        }
        for (String c : channels) {
            if (Objects.requireNonNull(c, "channel").isBlank() || c.contains(",")) {
                throw new IllegalArgumentException("Channel '" + c + "' cannot be a step of a routing slip; use a "
                        + "channel name like 'jedi-commands'");
            }
        }
        return new RoutingSlip(List.of(channels));
    }

    /**
     * The slip an event carries.
     *
     * @param event the event, never null
     * @return its slip, or empty when it carries none or an empty one
     */
    public static Optional<RoutingSlip> of(Event<?> event) {
        String value = event.headers().get(HEADER);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        List<String> steps = new ArrayList<>();
        for (String s : value.split(",")) {
            if (!s.isBlank()) {
                steps.add(s.strip());
            }
        }
        return steps.isEmpty() ? Optional.empty() : Optional.of(new RoutingSlip(steps));
    }

    /** @return the remaining steps, in order, immutable, never empty */
    public List<String> channels() {
        return channels;
    }

    /** @return the next step's channel, never null */
    public String next() {
        return channels.get(0);
    }

    /**
     * A copy of the event carrying this slip (replacing any slip it had).
     *
     * @param event the event, never null
     * @param <T> the payload type
     * @return the copy, never null
     */
    public <T> Event<T> attachTo(Event<T> event) {
        return event.toBuilder().header(HEADER, String.join(",", channels)).build();
    }

    /**
     * Sends the event to the first step of this slip, carrying the steps after it: what a mediator
     * does once it decided the route.
     *
     * @param event the event to route, never null
     * @param context the processor's context, never null
     * @throws TwelvefoldException when the first step is not an output of the app
     */
    public void start(Event<?> event, ProcessorContext context) {
        context.emit(next(), rest(event));
    }

    /**
     * Sends an event to the next step of the slip it carries, without that step on it: what a
     * step of the flow does once its work is done.
     *
     * @param event the event (its payload may be a step's result: {@link Event#withData}), never null
     * @param context the processor's context, never null
     * @return the channel it was sent to, or empty when the event carries no slip (the flow ends here)
     * @throws TwelvefoldException when the next step is not an output of the app
     */
    public static Optional<String> forward(Event<?> event, ProcessorContext context) {
        Optional<RoutingSlip> slip = of(event);
        slip.ifPresent(s -> s.start(event, context));
        return slip.map(RoutingSlip::next);
    }

    /** The event with the steps after the first, or without the header when there are none. */
    private <T> Event<T> rest(Event<T> event) {
        Event.Builder<T> b = event.toBuilder();
        if (channels.size() == 1) {
            b.removeHeader(HEADER);
        } else {
            b.header(HEADER, String.join(",", channels.subList(1, channels.size())));
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RoutingSlip s && s.channels.equals(channels);
    }

    @Override
    public int hashCode() {
        return channels.hashCode();
    }

    @Override
    public String toString() {
        return "RoutingSlip" + channels;
    }
}
