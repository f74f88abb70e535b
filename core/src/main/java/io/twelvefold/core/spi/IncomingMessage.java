package io.twelvefold.core.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A message delivered by a subscription, with its acknowledgement handle.
 *
 * <p>{@link #attributes()} holds the CloudEvents context attributes by their CloudEvents names
 * ({@code id}, {@code source}, {@code type}, {@code specversion}, {@code time}, {@code subject},
 * {@code datacontenttype}); {@link #headers()} holds every other header (extensions such as
 * {@code traceparent}). Each transport maps both to its protocol binding. A message that a producer
 * outside Twelvefold sent has no CloudEvents attributes but, where its protocol has one, the
 * content type ({@code datacontenttype}); the runtime derives the rest from {@link #messageId()},
 * {@link #timestamp()} and the destination when its channel's format is {@code plain}.
 */
public interface IncomingMessage {

    /** @return the destination it was read from, never null */
    String destination();

    /** @return the partition, or 0 for an unpartitioned destination */
    int partition();

    /** @return the offset within the partition, or a delivery tag; -1 when the broker gives none */
    long offset();

    /** @return the partition key, or null */
    String key();

    /** @return the CloudEvents attributes, immutable, never null */
    Map<String, String> attributes();

    /** @return the other headers, immutable, never null */
    Map<String, String> headers();

    /**
     * The broker's own identifier of this message, the same on every delivery of it: on Kafka the
     * topic, partition and offset ({@code orders-0-42}), on AMQP the {@code message-id} property
     * when the producer set one. The runtime uses it as the event id of a message without the
     * CloudEvents {@code id} attribute (a channel whose format is {@code plain}).
     *
     * @return the identifier, or null when the broker gives none that stays the same on redelivery
     */
    default String messageId() {
        return null;
    }

    /**
     * When the broker or the producer stamped this message (a Kafka record timestamp, the AMQP
     * {@code timestamp} property).
     *
     * @return the instant, or null when the message carries none
     */
    default Instant timestamp() {
        return null;
    }

    /** @return the payload bytes, never null; callers must not modify them */
    byte[] payload();

    /** @return how many times this message was delivered, 1 the first time (when the broker knows) */
    int deliveryCount();

    /**
     * Acknowledges the message: it will not be delivered again to this group. Called at most once,
     * by the runtime, after processing completed. Thread-safe; may be called on any thread, and in
     * any order across messages (the transport acknowledges only contiguous completions when its
     * broker needs that, such as Kafka offsets).
     */
    void ack();

    /**
     * Optional: stores a copy of this message on the broker, to be delivered again, after
     * {@code delay}, to the consumer group this message was delivered to and to no other group.
     * The runtime uses it for retries whose backoff is long ({@code retry.broker-delay-from}), so
     * that the wait holds neither a prefetch slot nor the process.
     *
     * <p>The copy has this message's payload, key and CloudEvents attributes, and its headers with
     * {@code headers} added (replacing headers of the same name). The future completes once the
     * broker has stored the copy as durably as a confirmed {@link Publisher#send} (or, on a broker
     * without durability, once nothing but the end of the process can lose it), and fails when it
     * could not be stored; it never completes before that.
     *
     * <p>This method does <em>not</em> acknowledge this message: the runtime calls {@link #ack()}
     * once the future completed normally, so that a copy that was not stored never loses the
     * message (the runtime, not the transport, decides when to acknowledge). A process
     * that dies between the two leaves both the copy and this message: at-least-once.
     *
     * <p>The copy comes back as a new delivery, behind whatever the group received meanwhile: its
     * key's order is not kept for it. It may come back later than {@code delay} (never earlier,
     * give or take the broker's clock), for instance behind a longer delay stored before it.
     *
     * <p>Thread-safe; may be called on any thread, at most once per delivery, before {@link #ack()};
     * must not block on the broker. A decorator of {@code IncomingMessage} must delegate this method.
     *
     * @param delay how long the broker keeps the copy before delivering it, positive, never null
     * @param headers headers to add to the copy's, never null
     * @return the outcome of storing the copy, or {@code null} when this transport cannot
     *     redeliver later (the default; such a transport lacks {@link Capability#DELAYED_REDELIVERY})
     */
    default CompletableFuture<Void> redeliverLater(Duration delay, Map<String, String> headers) {
        return null;
    }
}
