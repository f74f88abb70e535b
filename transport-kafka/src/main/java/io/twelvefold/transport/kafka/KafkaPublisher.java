package io.twelvefold.transport.kafka;

import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.OutgoingMessage;
import io.twelvefold.core.spi.Publisher;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends to one topic through the transport's shared producer. */
final class KafkaPublisher implements Publisher {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);

    private final KafkaTransport transport;
    private final String topic;
    private final Set<CompletableFuture<Void>> outstanding = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> topicReady;
    private volatile boolean closed;

    /** @param topicReady completes when the topic exists (checked or created in the background) */
    KafkaPublisher(KafkaTransport transport, String topic, CompletableFuture<Void> topicReady) {
        this.transport = transport;
        this.topic = topic;
        this.topicReady = topicReady;
    }

    @Override
    public CompletableFuture<Void> send(OutgoingMessage message) {
        if (closed) {
            return CompletableFuture.failedFuture(
                    new TransportException("The Kafka publisher of topic '" + topic + "' is closed"));
        }
        if (!topicReady.isDone() || topicReady.isCompletedExceptionally()) {
            try {
                KafkaTopics.await(topicReady); // at start only: the topic is being checked or created
            } catch (TransportException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, null, message.key(), message.payload(),
                CloudEventsBinding.toHeaders(message.attributes(), message.headers()));
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        outstanding.add(confirmed);
        try {
            // the transport's producer; the first send waits for its creation if still under way
            KafkaProducer<String, byte[]> producer = transport.producer();
            producer.send(record, (metadata, error) -> {
                outstanding.remove(confirmed);
                if (error == null) {
                    confirmed.complete(null);
                } else {
                    confirmed.completeExceptionally(new TransportException(
                            "Kafka refused a record for topic '" + topic + "': " + error.getMessage(), error));
                }
            });
        } catch (RuntimeException e) {
            outstanding.remove(confirmed);
            confirmed.completeExceptionally(
                    new TransportException("Could not send a record to Kafka topic '" + topic + "': " + e.getMessage(), e));
        }
        return confirmed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            CompletableFuture.allOf(outstanding.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Kafka publisher of topic '{}' closed with sends unconfirmed: {}", topic, e.toString());
        }
        transport.closed(this);
    }
}
