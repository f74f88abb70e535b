package io.twelvefold.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.twelvefold.core.App;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.spi.AdminCommand;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Extension;
import io.twelvefold.core.spi.ExtensionContext;
import io.twelvefold.core.spi.ExtensionHealth;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a module adds to an app through {@link Extension}: settings, lifecycle, health, meters, commands. */
class ExtensionTest {
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** Records what happens to it; its readiness is what the test says. */
    private final class Recording implements Extension {
        private final String name;
        volatile boolean up = true;

        Recording(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<ConfigKey> configKeys() {
            return List.of(new ConfigKey("pool-size", "int", "4", false, "How many connections."));
        }

        @Override
        public List<ConfigKey> environmentVariables() {
            return List.of(new ConfigKey("DATABASE_URL", "string", null, true, "Where the database is."));
        }

        @Override
        public void validate(ExtensionContext context) {
            String size = context.properties().get("pool-size");
            if (!size.matches("[1-9][0-9]*")) {
                throw new ConfigurationException("twelvefold." + name + ".pool-size (TWELVEFOLD_"
                        + name.toUpperCase(java.util.Locale.ROOT) + "_POOL_SIZE) must be a positive integer, was '"
                        + size + "'");
            }
        }

        @Override
        public void start(ExtensionContext context) {
            events.add(name + " started with pool-size " + context.properties().get("pool-size") + " in app "
                    + context.appName());
            context.publisher().publish("out", "from " + name);
        }

        @Override
        public void onReady(MeterRegistry registry) {
            registry.counter(name + ".ready").increment();
        }

        @Override
        public ExtensionHealth health() {
            return new ExtensionHealth(up, Map.of("backlog", 7));
        }

        @Override
        public void stop() {
            events.add(name + " stopped");
        }

        @Override
        public List<AdminCommand> commands() {
            return List.of(new AdminCommand() {
                @Override
                public String name() {
                    return "migrate-" + name;
                }

                @Override
                public String description() {
                    return "applies the schema of " + name;
                }

                @Override
                public int run(ExtensionContext context, List<String> args, PrintStream out, PrintStream err) {
                    out.println("migrated " + name + " with pool-size " + context.properties().get("pool-size")
                            + " and " + args);
                    return 0;
                }
            });
        }
    }

    private App.Builder builder(FlakyProvider provider, Map<String, String> environment, Extension... extensions) {
        App.Builder b = App.builder().name("shop").transportProvider(provider).environment(environment)
                .config("twelvefold.transport", "flaky")
                .processor("in", String.class, EventProcessor.sink(s -> { })).output("out")
                .onStart(app -> events.add("start hook"))
                .onStop(() -> events.add("stop hook"));
        for (Extension e : extensions) {
            b.extension(e);
        }
        return b;
    }

    @Test
    @DisplayName("extensions start after the subscriptions and before the start hooks, in order, and stop in reverse"
            + " before the transport closes and the stop hooks run")
    void lifecycle() {
        FlakyProvider provider = new FlakyProvider(0);
        Recording db = new Recording("db");
        Recording cache = new Recording("cache");
        App app = builder(provider, Map.of("TWELVEFOLD_DB_POOL_SIZE", "9"), db, cache).build().start();

        assertThat(events).containsExactly("db started with pool-size 9 in app shop",
                "cache started with pool-size 4 in app shop", "start hook");
        app.close();

        assertThat(events).containsExactly("db started with pool-size 9 in app shop",
                "cache started with pool-size 4 in app shop", "start hook", "cache stopped", "db stopped", "stop hook");
        assertThat(provider.closed).hasValue(1);
    }

    @Test
    @DisplayName("an extension's bad setting and unknown variable are reported with the others, before anything starts")
    void settingsInTheOneReport() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> builder(new FlakyProvider(0),
                Map.of("TWELVEFOLD_DB_POOL_SIZE", "none", "TWELVEFOLD_DB_POOLSIZE", "3", "TWELVEFOLD_SHUTDOWN_TIMEOUT",
                        "soon"), new Recording("db")).build());

        assertThat(e.problems()).containsExactlyInAnyOrder(
                "twelvefold.shutdown-timeout (TWELVEFOLD_SHUTDOWN_TIMEOUT) must be a positive duration like '30s', was"
                        + " 'soon'",
                "Environment variable 'TWELVEFOLD_DB_POOLSIZE' is not a Twelvefold setting; did you mean"
                        + " 'TWELVEFOLD_DB_POOL_SIZE'?",
                "twelvefold.db.pool-size (TWELVEFOLD_DB_POOL_SIZE) must be a positive integer, was 'none'");
        assertThat(events).isEmpty();
    }

    @Test
    @DisplayName("two extensions of one name, or one named like a transport, are a configuration problem")
    void names() {
        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, () -> builder(new FlakyProvider(0),
                Map.of(), new Recording("db"), new Recording("db"), new Recording("kafka")).build());

        assertThat(e.problems()).hasSize(2).allMatch(p -> p.contains("has the name of another extension or of a transport"));
    }

    @Test
    @DisplayName("an extension that is not UP makes readiness DOWN, and shows as a check of /health/ready; its meters"
            + " are registered once the app is ready")
    void healthAndMeters() throws Exception {
        Recording db = new Recording("db");
        try (App app = builder(new FlakyProvider(0), Map.of("PORT", "0"), db).build().start()) {
            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://127.0.0.1:" + app.port() + "/health/ready");

            HttpResponse<String> up = http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString());
            db.up = false;
            HttpResponse<String> down = http.send(HttpRequest.newBuilder(ready).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("{\"name\":\"extension:db\",\"status\":\"DOWN\",\"data\":{\"backlog\":7}}");
            await().atMost(Duration.ofSeconds(10)).until(() -> app.meterRegistry().find("db.ready").counter() != null);
        }
    }

    @Test
    @DisplayName("an extension's admin command runs with the app's settings, checked first, without starting anything;"
            + " --help lists it")
    void commands() {
        FlakyProvider provider = new FlakyProvider(0);
        Declaration d = declaration(provider, Map.of("TWELVEFOLD_DB_POOL_SIZE", "2"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = Launcher.execute(List.of("--migrate-db", "--dry-run"), d, () -> {
            throw new AssertionError("not built");
        }, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        int help = Launcher.execute(List.of("--help"), d, () -> {
            throw new AssertionError("not built");
        }, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        int bad = Launcher.execute(List.of("migrate-db"), declaration(provider, Map.of("TWELVEFOLD_DB_POOL_SIZE", "0")),
                () -> {
                    throw new AssertionError("not built");
                }, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        int manifest = Launcher.execute(List.of("--print-config"), declaration(provider, Map.of(
                "DATABASE_URL", "postgres://app:s3cret@db:5432/shop")), () -> {
                    throw new AssertionError("not built");
                }, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(manifest).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("| `twelvefold.db.pool-size` | `TWELVEFOLD_DB_POOL_SIZE` | int | `4` | `4` | default |")
                .contains("|  | `DATABASE_URL` | string |  | `postgres://<redacted>@db:5432/shop` | environment |")
                .doesNotContain("s3cret");
        assertThat(status).isZero();
        assertThat(help).isZero();
        assertThat(bad).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("migrated db with pool-size 2 and [--dry-run]")
                .contains("  migrate-db       applies the schema of db");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("twelvefold.db.pool-size (TWELVEFOLD_DB_POOL_SIZE)"
                + " must be a positive integer, was '0'");
        assertThat(provider.attempts).hasValue(0);
    }

    private Declaration declaration(FlakyProvider provider, Map<String, String> environment) {
        return new Declaration("shop", List.of(), java.util.Set.of("out"), List.of(),
                Map.of("twelvefold.transport", "flaky"), environment, provider, null, null, List.of(), List.of(),
                List.of(), Map.of(), List.of(new Recording("db")));
    }
}
