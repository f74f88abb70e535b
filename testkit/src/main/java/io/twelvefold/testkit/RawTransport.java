package io.twelvefold.testkit;

import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import io.twelvefold.core.spi.PublisherRequest;
import io.twelvefold.core.spi.SubscriptionRequest;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportProvider;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fixture's own transport, below the apps and not counted: it sends messages as they are and
 * reads destinations (dead letters, an app's output) raw. Closing it closes its subscriptions and
 * publishers, then the transport. Not thread-safe.
 */
final class RawTransport implements AutoCloseable {
    private final Transport transport;
    private final Duration timeout;
    private final Resources opened = new Resources();
    private final Map<String, Publisher> publishers = new HashMap<>();

    private RawTransport(Transport transport, Duration timeout) {
        this.transport = transport;
        this.timeout = timeout;
    }

    /**
     * @param provider the provider under test
     * @param config the test's {@code twelvefold.*} settings: those of the transport are given to it without their prefix
     * @param timeout how long a send may take to be confirmed
     */
    static RawTransport create(TransportProvider provider, Map<String, String> config, Duration timeout) {
        String prefix = "twelvefold." + provider.name() + ".";
        Map<String, String> properties = new LinkedHashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                properties.put(key.substring(prefix.length()), value);
            }
        });
        return new RawTransport(provider.create(new KitTransportContext(properties)), timeout);
    }

    Transport transport() {
        return transport;
    }

    /** Sends with one publisher per destination and waits for the confirmation. */
    void send(String destination, OutgoingMessage message) throws Exception {
        Publisher publisher = publishers.get(destination);
        if (publisher == null) {
            publisher = opened.push(transport.publisher(PublisherRequest.of(destination)));
            publishers.put(destination, publisher);
        }
        publisher.send(message).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Subscribes {@code group} to {@code destination}, keeping and acknowledging what arrives. */
    MessageCollector collect(String destination, String group) {
        MessageCollector collector = MessageCollector.create();
        opened.push(transport.subscribe(new SubscriptionRequest(destination, group, 100), collector));
        return collector;
    }

    @Override
    public void close() throws Exception {
        try (transport) {
            opened.close();
        }
    }
}
