package io.twelvefold.core.spi;

import java.util.Map;

/**
 * A message delivered by a subscription, with its acknowledgement handle.
 *
 * <p>{@link #attributes()} holds the CloudEvents context attributes by their CloudEvents names
 * ({@code id}, {@code source}, {@code type}, {@code specversion}, {@code time}, {@code subject},
 * {@code datacontenttype}); {@link #headers()} holds every other header (extensions such as
 * {@code traceparent}). Each transport maps both to its protocol binding.
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
}
