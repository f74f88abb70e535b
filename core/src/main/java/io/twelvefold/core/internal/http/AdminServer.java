package io.twelvefold.core.internal.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.twelvefold.core.TwelvefoldException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP port of a Twelvefold process (12-factor VII; docs/lifecycle.md), on the JDK's
 * built-in server: {@code /health/live}, {@code /health/ready}, {@code /health/started} (JSON in
 * the MicroProfile Health shape; 200 when UP, 503 when DOWN) and {@code /metrics} (Prometheus
 * text, or OpenMetrics when the scraper asks for it).
 *
 * <p>Only GET and HEAD are served: other methods get 405 with an {@code Allow} header, other
 * paths 404, both with a JSON body. Requests are handled on at most two daemon threads named
 * {@code twelvefold-admin-N}; no thread of the server keeps the JVM alive. Thread-safe.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** The paths served, in the order listed on a 404. */
    static final List<String> ENDPOINTS = List.of("/health/live", "/health/ready", "/health/started", "/metrics");

    static final String JSON = "application/json";
    // The content types of micrometer-registry-prometheus's writers (PrometheusTextFormatWriter and
    // OpenMetricsTextFormatWriter), which are on the runtime classpath only.
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final String FIX = "set PORT to a free port or unset it to disable the HTTP endpoint";
    private static final int THREADS = 2;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final HealthModel health;
    private final Supplier<PrometheusMeterRegistry> registry;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AdminServer(HttpServer server, ThreadPoolExecutor executor, HealthModel health,
            Supplier<PrometheusMeterRegistry> registry) {
        this.server = server;
        this.executor = executor;
        this.health = health;
        this.registry = registry;
        this.port = server.getAddress().getPort();
    }

    /**
     * Binds all interfaces on {@code port} and serves until {@link #close()}.
     *
     * @param port the port, from {@code PORT}; 0 binds an ephemeral port (tests)
     * @param health the runtime's health, never null
     * @param registry the registry scraped by {@code /metrics}, never null
     * @return the running server, bound when this method returns
     * @throws TwelvefoldException when the port is out of range, already in use or cannot be bound
     */
    public static AdminServer start(int port, HealthModel health, PrometheusMeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        return start(port, health, new Fixed(registry));
    }

    /**
     * Like {@link #start(int, HealthModel, PrometheusMeterRegistry)} with a registry that may still be
     * being built: the health probes answer at once, {@code /metrics} waits for the registry.
     *
     * @param port the port, from {@code PORT}; 0 binds an ephemeral port (tests)
     * @param health the runtime's health, never null
     * @param registry gives the registry scraped by {@code /metrics} (never null), and may block until it is built
     * @return the running server, bound when this method returns
     * @throws TwelvefoldException when the port is out of range, already in use or cannot be bound
     */
    public static AdminServer start(int port, HealthModel health, Supplier<PrometheusMeterRegistry> registry) {
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(registry, "registry");
        if (port < 0 || port > 65535) {
            throw new TwelvefoldException("Port (PORT) must be between 0 and 65535, was '" + port + "'; " + FIX);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (BindException e) {
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("in use")) {
                throw new TwelvefoldException("Port " + port + " (PORT) is already in use; " + FIX, e);
            }
            throw new TwelvefoldException("Port " + port + " (PORT) cannot be bound (" + reason + "); " + FIX, e);
        } catch (IOException e) {
            throw new TwelvefoldException("Port " + port + " (PORT) cannot be bound (" + e + "); " + FIX, e);
        }
        ThreadPoolExecutor executor = executor();
        AdminServer admin = new AdminServer(server, executor, health, registry);
        server.createContext("/", admin::handle);
        server.setExecutor(executor);
        // HttpServer.start() creates its dispatcher thread with the daemon status of the calling
        // thread, so start it from one of ours (daemon) rather than from the caller (often main).
        try {
            executor.submit(server::start).get();
        } catch (ExecutionException | InterruptedException e) {
            admin.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new TwelvefoldException("Port " + admin.port + " (PORT): the HTTP endpoint did not start (" + e
                    + "); " + FIX, e);
        }
        LOG.debug("HTTP endpoint listening on port {}", admin.port);
        return admin;
    }

    /** A registry that is already built. */
    private static final class Fixed implements Supplier<PrometheusMeterRegistry> {
        private final PrometheusMeterRegistry registry;

        Fixed(PrometheusMeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        public PrometheusMeterRegistry get() {
            return registry;
        }
    }

    private static ThreadPoolExecutor executor() {
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "twelvefold-admin-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true); // an idle process keeps no admin thread around
        return executor;
    }

    /**
     * The port bound, which differs from the one asked for when that was 0.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Stops at once: closes the port and abandons requests in progress. Idempotent.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            executor.shutdownNow();
            LOG.debug("HTTP endpoint on port {} closed", port);
        }
    }

    private void handle(HttpExchange exchange) {
        try {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            Headers headers = exchange.getResponseHeaders();
            headers.set("Cache-Control", "no-store");
            headers.set("X-Content-Type-Options", "nosniff");
            boolean head = "HEAD".equals(method);
            if (!ENDPOINTS.contains(path)) {
                respond(exchange, head, 404, JSON, HealthDocument.error("Not Found", method, path));
            } else if (!head && !"GET".equals(method)) {
                headers.set("Allow", "GET, HEAD");
                respond(exchange, false, 405, JSON, HealthDocument.error("Method Not Allowed", method, path));
            } else {
                serve(exchange, head, path);
            }
        } catch (IOException e) {
            LOG.debug("HTTP endpoint: the client went away", e); // nothing to answer to
        } catch (RuntimeException e) {
            LOG.warn("HTTP endpoint: {} failed", exchange.getRequestURI().getPath(), e);
            try {
                respond(exchange, false, 500, JSON, HealthDocument.failure("Internal error; see the process log"));
            } catch (IOException | RuntimeException ignored) {
                // headers already sent or the client went away: the log line above is what is left
            }
        } finally {
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange, boolean head, String path) throws IOException {
        switch (path) {
            case "/health/live" -> health(exchange, head, HealthDocument.Probe.LIVE);
            case "/health/ready" -> health(exchange, head, HealthDocument.Probe.READY);
            case "/health/started" -> health(exchange, head, HealthDocument.Probe.STARTED);
            case "/metrics" -> metrics(exchange, head);
            default -> throw new IllegalStateException("No handler for " + path);
        }
    }

    private void health(HttpExchange exchange, boolean head, HealthDocument.Probe probe) throws IOException {
        HealthDocument.Rendered doc = HealthDocument.health(probe, health);
        respond(exchange, head, doc.up() ? 200 : 503, JSON, doc.body());
    }

    private void metrics(HttpExchange exchange, boolean head) throws IOException {
        // The Prometheus server asks for OpenMetrics first in its Accept header. Negotiate here
        // rather than pass the header on: the registry would answer protobuf, binary, to an Accept
        // that prefers it.
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        String type = accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
        registry.get().scrape(body, type);
        respond(exchange, head, 200, type, body.toByteArray());
    }

    private static void respond(HttpExchange exchange, boolean head, int status, String contentType, byte[] body)
            throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", contentType);
        if (head) {
            // The JDK server sends no body for HEAD and wants -1; state the length GET would have.
            headers.set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        // For the JDK server 0 means chunked and -1 means no body.
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
