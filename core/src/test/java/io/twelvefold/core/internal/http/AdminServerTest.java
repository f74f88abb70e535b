package io.twelvefold.core.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.twelvefold.core.TwelvefoldException;
import io.twelvefold.core.internal.http.HealthModel.SubscriptionHealth;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AdminServerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final FakeHealth health = new FakeHealth();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AdminServer> servers = new ArrayList<>();
    private AdminServer server;

    @BeforeEach
    void start() {
        server = start(0);
    }

    @AfterEach
    void stop() {
        servers.forEach(AdminServer::close);
        registry.close();
    }

    // ---- /health/live

    @Test
    @DisplayName("/health/live is 200 UP with the lifecycle state and no channel checks")
    void liveUp() throws Exception {
        HttpResponse<String> response = get("/health/live");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("checks")).hasSize(1);
        JsonNode self = body.get("checks").get(0);
        assertThat(self.get("name").asText()).isEqualTo("twelvefold");
        assertThat(self.get("status").asText()).isEqualTo("UP");
        assertThat(self.get("data").get("state").asText()).isEqualTo("ready");
    }

    @Test
    @DisplayName("/health/live is 503 DOWN when the process is broken, and ignores a disconnected channel")
    void liveDown() throws Exception {
        health.subscriptions = List.of(orders(false, "connection refused"));
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        health.live = false;
        HttpResponse<String> response = get("/health/live");

        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("checks").get(0).get("status").asText()).isEqualTo("DOWN");
    }

    // ---- /health/ready

    @Test
    @DisplayName("/health/ready is 200 UP with one check per subscription and its details")
    void readyUp() throws Exception {
        health.subscriptions = List.of(orders(true, null),
                new SubscriptionHealth("payments", "pay.v1", "billing", "kafka", true, 0, true, "back-pressure"));

        HttpResponse<String> response = get("/health/ready");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("UP");
        JsonNode checks = body.get("checks");
        assertThat(checks).hasSize(3);
        assertThat(checks.get(0).get("name").asText()).isEqualTo("twelvefold");
        assertThat(checks.get(0).get("data").get("state").asText()).isEqualTo("ready");

        JsonNode orders = checks.get(1);
        assertThat(orders.get("name").asText()).isEqualTo("channel:orders");
        assertThat(orders.get("status").asText()).isEqualTo("UP");
        JsonNode data = orders.get("data");
        assertThat(data.get("destination").asText()).isEqualTo("orders.v1");
        assertThat(data.get("group").asText()).isEqualTo("billing");
        assertThat(data.get("transport").asText()).isEqualTo("kafka");
        assertThat(data.get("inFlight").isInt()).isTrue();
        assertThat(data.get("inFlight").asInt()).isEqualTo(7);
        assertThat(data.get("paused").isBoolean()).isTrue();
        assertThat(data.get("paused").asBoolean()).isFalse();
        assertThat(data.has("detail")).isFalse();

        JsonNode payments = checks.get(2);
        assertThat(payments.get("name").asText()).isEqualTo("channel:payments");
        assertThat(payments.get("data").get("paused").asBoolean()).isTrue();
        assertThat(payments.get("data").get("detail").asText()).isEqualTo("back-pressure");
    }

    @Test
    @DisplayName("/health/ready is 503 DOWN while starting or draining, with the state")
    void readyDownWhileDraining() throws Exception {
        health.subscriptions = List.of(orders(true, null));
        health.ready = false;
        health.state = "draining";

        HttpResponse<String> response = get("/health/ready");

        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("checks").get(0).get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("checks").get(0).get("data").get("state").asText()).isEqualTo("draining");
        assertThat(body.get("checks").get(1).get("status").asText()).isEqualTo("UP");
    }

    @Test
    @DisplayName("/health/ready is 503 DOWN when one subscription is down, which says why")
    void readyDownWhenASubscriptionIsDown() throws Exception {
        health.subscriptions = List.of(orders(false, "broker unreachable"),
                new SubscriptionHealth("payments", "pay.v1", "billing", "kafka", true, 0, false, null));

        HttpResponse<String> response = get("/health/ready");

        assertThat(response.statusCode()).isEqualTo(503);
        JsonNode body = json(response);
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        JsonNode checks = body.get("checks");
        assertThat(checks.get(0).get("status").asText()).isEqualTo("UP");
        assertThat(checks.get(1).get("status").asText()).isEqualTo("DOWN");
        assertThat(checks.get(1).get("data").get("detail").asText()).isEqualTo("broker unreachable");
        assertThat(checks.get(2).get("status").asText()).isEqualTo("UP");
    }

    @Test
    @DisplayName("Every string in a health document is escaped")
    void escapesEverything() throws Exception {
        String channel = "a\"b\\c\n</script>\u0001é€😀";
        health.subscriptions = List.of(new SubscriptionHealth(channel, "d\"", "g\t", "t\r", true, 0, false, "x\"y"));
        health.state = "re\"ady";

        JsonNode body = json(get("/health/ready"));

        assertThat(body.get("checks").get(0).get("data").get("state").asText()).isEqualTo("re\"ady");
        JsonNode check = body.get("checks").get(1);
        assertThat(check.get("name").asText()).isEqualTo("channel:" + channel);
        assertThat(check.get("data").get("destination").asText()).isEqualTo("d\"");
        assertThat(check.get("data").get("group").asText()).isEqualTo("g\t");
        assertThat(check.get("data").get("transport").asText()).isEqualTo("t\r");
        assertThat(check.get("data").get("detail").asText()).isEqualTo("x\"y");
    }

    // ---- /health/started

    @Test
    @DisplayName("/health/started is 503 DOWN while starting, then 200 UP, and stays UP while draining")
    void started() throws Exception {
        health.started = false;
        health.ready = false;
        health.state = "starting";
        HttpResponse<String> starting = get("/health/started");
        assertThat(starting.statusCode()).isEqualTo(503);
        assertThat(json(starting).get("status").asText()).isEqualTo("DOWN");
        assertThat(json(starting).get("checks").get(0).get("data").get("state").asText()).isEqualTo("starting");

        health.started = true;
        health.state = "draining";
        HttpResponse<String> draining = get("/health/started");
        assertThat(draining.statusCode()).isEqualTo(200);
        JsonNode body = json(draining);
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(body.get("checks")).hasSize(1);
        assertThat(body.get("checks").get(0).get("name").asText()).isEqualTo("twelvefold");
        assertThat(body.get("checks").get(0).get("data").get("state").asText()).isEqualTo("draining");
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    }

    // ---- /metrics

    @Test
    @DisplayName("/metrics serves the registry in the Prometheus text format")
    void metrics() throws Exception {
        Counter.builder("messaging.client.consumed.messages").tags("channel", "x", "destination", "x.v1",
                "transport", "inmemory").register(registry).increment(3);

        HttpResponse<String> response = get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body()).contains("# TYPE messaging_client_consumed_messages_total counter")
                .contains("messaging_client_consumed_messages_total{channel=\"x\",destination=\"x.v1\","
                        + "transport=\"inmemory\"} 3.0");
    }

    @Test
    @DisplayName("/metrics serves OpenMetrics when the scraper accepts it, as Prometheus does")
    void openMetrics() throws Exception {
        Counter.builder("messaging.client.consumed.messages").tag("channel", "x").register(registry).increment();

        HttpResponse<String> response = send(request("/metrics").header("Accept",
                "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(response.body()).contains("messaging_client_consumed_messages_total{channel=\"x\"} 1.0")
                .endsWith("# EOF\n");
    }

    @Test
    @DisplayName("/metrics answers text, never protobuf, to a scraper that prefers protobuf")
    void neverProtobuf() throws Exception {
        HttpResponse<String> response = send(request("/metrics").header("Accept",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("text/plain; version=0.0.4; charset=utf-8");
    }

    // ---- HTTP

    @Test
    @DisplayName("An unknown path is 404 with a JSON body listing the endpoints")
    void notFound() throws Exception {
        for (String path : List.of("/", "/health", "/health/ready/", "/metrics/x", "/nope")) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode body = json(response);
            assertThat(body.get("error").asText()).isEqualTo("Not Found");
            assertThat(body.get("path").asText()).isEqualTo(path);
            assertThat(body.get("endpoints").toString())
                    .isEqualTo("[\"/health/live\",\"/health/ready\",\"/health/started\",\"/metrics\"]");
        }
    }

    @Test
    @DisplayName("A method other than GET or HEAD is 405 with an Allow header")
    void methodNotAllowed() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
            HttpResponse<String> response = send(request("/health/live")
                    .method(method, HttpRequest.BodyPublishers.ofString("{}")));
            assertThat(response.statusCode()).as(method).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).hasValue("GET, HEAD");
            JsonNode body = json(response);
            assertThat(body.get("error").asText()).isEqualTo("Method Not Allowed");
            assertThat(body.get("method").asText()).isEqualTo(method);
        }
        assertThat(send(request("/metrics").POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(405);
    }

    @Test
    @DisplayName("HEAD answers the status and headers of GET without a body")
    void head() throws Exception {
        health.subscriptions = List.of(orders(true, null));
        int length = get("/health/ready").body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;

        HttpResponse<String> up = send(request("/health/ready").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).isEmpty();
        assertThat(up.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(up.headers().firstValueAsLong("Content-Length")).hasValue(length);

        health.ready = false;
        HttpResponse<String> down = send(request("/health/ready").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).isEmpty();

        HttpResponse<String> metrics = send(request("/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(metrics.body()).isEmpty();

        assertThat(send(request("/nope").method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode())
                .isEqualTo(404);
    }

    @Test
    @DisplayName("/metrics with no meters is 200 with an empty body")
    void emptyMetrics() throws Exception {
        HttpResponse<String> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
    }

    @Test
    @DisplayName("A failing health model is a 500 with a JSON body, and the server keeps serving")
    void failingHealthModel() throws Exception {
        health.failure = new IllegalStateException("boom");

        HttpResponse<String> response = get("/health/ready");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(json(response).get("status").asText()).isEqualTo("DOWN");
        assertThat(response.body()).doesNotContain("boom");
        health.failure = null;
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    }

    // ---- threads and ports

    @Test
    @DisplayName("Requests run on daemon threads named twelvefold-admin-N, and no server thread keeps the JVM alive")
    void threads() throws Exception {
        for (int i = 0; i < 10; i++) {
            get("/health/live");
        }

        assertThat(health.callers).isNotEmpty().allMatch(name -> name.matches("twelvefold-admin-[12]"));
        List<Thread> serverThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("twelvefold-admin-") || t.getName().startsWith("HTTP-Dispatcher"))
                .toList();
        assertThat(serverThreads).extracting(Thread::getName).anyMatch(n -> n.startsWith("HTTP-Dispatcher"));
        assertThat(serverThreads).allMatch(Thread::isDaemon);
    }

    @Test
    @DisplayName("Port 0 binds a free ephemeral port per server")
    void ephemeralPort() throws Exception {
        AdminServer other = start(0);

        assertThat(server.port()).isPositive();
        assertThat(other.port()).isPositive().isNotEqualTo(server.port());
        assertThat(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other.port() + "/health/live")))
                .statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("A port in use fails with a message that says what to do")
    void portInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> start(port))
                    .isExactlyInstanceOf(TwelvefoldException.class)
                    .hasMessage("Port " + port + " (PORT) is already in use; set PORT to a free port or unset it "
                            + "to disable the HTTP endpoint");
        }
        assertThatThrownBy(() -> start(server.port()))
                .hasMessage("Port " + server.port() + " (PORT) is already in use; set PORT to a free port or unset "
                        + "it to disable the HTTP endpoint");
    }

    @Test
    @DisplayName("A port out of range fails with a message that says what to do")
    void badPort() {
        assertThatThrownBy(() -> start(70000))
                .isExactlyInstanceOf(TwelvefoldException.class)
                .hasMessage("Port (PORT) must be between 0 and 65535, was '70000'; set PORT to a free port or unset "
                        + "it to disable the HTTP endpoint");
        assertThatThrownBy(() -> start(-1))
                .hasMessage("Port (PORT) must be between 0 and 65535, was '-1'; set PORT to a free port or unset "
                        + "it to disable the HTTP endpoint");
    }

    @Test
    @DisplayName("close() releases the port at once, stops the threads, and can be called again")
    void closeReleasesThePort() throws Exception {
        AdminServer admin = start(0);
        int port = admin.port();
        assertThat(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live")))
                .statusCode()).isEqualTo(200);

        long before = System.nanoTime();
        admin.close();
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
        assertThatCode(admin::close).doesNotThrowAnyException();

        assertThatThrownBy(() -> send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))))
                .isInstanceOf(ConnectException.class);
        AdminServer again = start(port);
        assertThat(again.port()).isEqualTo(port);
    }

    @Test
    @DisplayName("Once every server is closed, none of their threads is left")
    void closeStopsTheThreads() throws Exception {
        get("/health/live");

        servers.forEach(AdminServer::close);

        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && (t.getName().startsWith("HTTP-Dispatcher")
                        || t.getName().startsWith("twelvefold-admin-"))));
    }

    // ---- helpers

    private AdminServer start(int port) {
        AdminServer admin = AdminServer.start(port, health, registry);
        servers.add(admin);
        return admin;
    }

    private static SubscriptionHealth orders(boolean up, String detail) {
        return new SubscriptionHealth("orders", "orders.v1", "billing", "kafka", up, 7, false, detail);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(5));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return MAPPER.readTree(response.body());
    }

    /** A health model the tests change between requests. */
    static final class FakeHealth implements HealthModel {
        volatile boolean live = true;
        volatile boolean ready = true;
        volatile boolean started = true;
        volatile String state = "ready";
        volatile List<SubscriptionHealth> subscriptions = List.of();
        volatile RuntimeException failure;
        final Set<String> callers = new CopyOnWriteArraySet<>();

        @Override
        public boolean live() {
            callers.add(Thread.currentThread().getName());
            return live;
        }

        @Override
        public boolean ready() {
            callers.add(Thread.currentThread().getName());
            if (failure != null) {
                throw failure;
            }
            return ready;
        }

        @Override
        public boolean started() {
            return started;
        }

        @Override
        public String state() {
            return state;
        }

        @Override
        public List<SubscriptionHealth> subscriptions() {
            return subscriptions;
        }
    }
}
