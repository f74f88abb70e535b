package io.twelvefold.core.spi;

import java.util.Map;
import java.util.Objects;

/**
 * A message to publish: the same shape as an {@link IncomingMessage} without the delivery details.
 *
 * <p><b>CloudEvents.</b> A message whose attributes hold {@code specversion} is a CloudEvent: the
 * transport writes it in its protocol binding's binary content mode, and writes the headers
 * {@code traceparent} and {@code tracestate} as the CloudEvents distributed-tracing extension
 * ({@code ce_traceparent} on Kafka, {@code cloudEvents:traceparent} on AMQP), reading them back
 * into these headers.
 *
 * <p><b>Plain messages.</b> A message without {@code specversion} is plain (its channel's format is
 * {@code plain}): the transport writes the payload, the key, the content type
 * ({@code datacontenttype}, when present) and the headers, and no CloudEvents attribute or
 * extension. Its {@code id} attribute, when present, goes where the protocol has a message id of
 * its own (the AMQP {@code message-id} property) and nowhere else.
 *
 * @param key the partition key, may be null
 * @param attributes the CloudEvents attributes by their CloudEvents names, never null
 * @param headers the other headers, never null
 * @param payload the payload bytes, never null
 */
public record OutgoingMessage(String key, Map<String, String> attributes, Map<String, String> headers, byte[] payload) {
    /** Validates the components and copies the maps. */
    public OutgoingMessage {
        attributes = Map.copyOf(Objects.requireNonNull(attributes, "attributes"));
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(payload, "payload");
    }
}
