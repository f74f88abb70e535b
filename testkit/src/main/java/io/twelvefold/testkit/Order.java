package io.twelvefold.testkit;

/**
 * The payload the conformance kit sends: a per-key sequence number and a free text.
 *
 * <p>Encoded as JSON by the default codec, such as
 * {@code {"key":"key-7","sequence":3,"note":"kit"}}.
 *
 * @param key the partition key the event is sent with, never null
 * @param sequence the event's position among the events of its key, from 0
 * @param note any text, may be null
 */
public record Order(String key, int sequence, String note) {
}
