package io.twelvefold.transport.kafka;

import io.twelvefold.core.spi.TransportContext;
import java.util.Map;

/** A transport context for the tests' own transports. */
record TestContext(Map<String, String> properties) implements TransportContext {
}
