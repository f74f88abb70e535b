/**
 * Twelvefold core: the API for event processors ({@code io.twelvefold.core}), the typed settings
 * ({@code io.twelvefold.core.config}), the transport SPI ({@code io.twelvefold.core.spi}) and the
 * {@code jakarta.inject} providers ({@code io.twelvefold.core.inject}). Everything else is internal:
 * not exported, no compatibility promise.
 */
module io.twelvefold.core {
    exports io.twelvefold.core;
    exports io.twelvefold.core.config;
    exports io.twelvefold.core.spi;
    exports io.twelvefold.core.inject;

    uses io.twelvefold.core.spi.TransportProvider;

    // in the API: App.meterRegistry(), Transport.onReady(MeterRegistry), Codec.json(ObjectMapper), the
    // inject providers. SmallRye Config and the MicroProfile Config API are read from the unnamed
    // module (--add-reads in the build): smallrye-config 3.17 requires a module
    // 'org.eclipse.microprofile.config' that microprofile-config-api 3.1 does not name, so neither
    // can be required here until they agree.
    requires transitive micrometer.core;
    requires transitive com.fasterxml.jackson.databind;
    requires transitive jakarta.inject;

    requires org.slf4j;
    requires micrometer.registry.prometheus;
    requires jdk.httpserver;
    // SIGTERM and SIGINT handlers (sun.misc.Signal, looked up by name)
    requires jdk.unsupported;
}
