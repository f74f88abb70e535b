package io.twelvefold.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.twelvefold.core.App;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.EventProcessor;
import io.twelvefold.core.TransportException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How a start waits for a broker that cannot be reached yet. */
class StartTimeoutTest {

    private static App app(FlakyProvider provider, String startTimeout) {
        return App.builder().transportProvider(provider).environment(Map.of())
                .config("twelvefold.transport", "flaky").config("twelvefold.start-timeout", startTimeout)
                .processor("in", String.class, EventProcessor.sink(s -> { })).output("out").build();
    }

    @Test
    @DisplayName("a broker that answers after a few refusals: the start tries again and the app turns READY")
    void triesAgainUntilTheBrokerAnswers() {
        FlakyProvider provider = new FlakyProvider(2);
        try (App app = app(provider, "30s")) {
            app.start();

            assertThat(app.state()).isEqualTo(App.State.READY);
            assertThat(provider.attempts).hasValue(3);
        }
    }

    @Test
    @DisplayName("a broker that never answers: the start fails after start-timeout, naming the setting, and the app is stopped")
    void givesUpAfterTheTimeout() {
        FlakyProvider provider = new FlakyProvider(-1);
        App app = app(provider, "1200ms");
        long t0 = System.nanoTime();

        TransportException e = catchThrowableOfType(TransportException.class, app::start);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(1100), Duration.ofSeconds(10));
        assertThat(e).hasMessage("The flaky broker at 'flaky://broker' (TWELVEFOLD_FLAKY_URI) is not reachable: "
                + "connection refused; gave up after 1200ms (twelvefold.start-timeout / TWELVEFOLD_START_TIMEOUT)");
        assertThat(provider.attempts.get()).isBetween(2, 4);
        assertThat(app.state()).isEqualTo(App.State.STOPPED);
        app.close(); // nothing left to stop
        assertThat(app.state()).isEqualTo(App.State.STOPPED);
    }

    @Test
    @DisplayName("start-timeout 0 fails at the first attempt, with the transport's own message")
    void zeroFailsAtOnce() {
        FlakyProvider provider = new FlakyProvider(-1);
        App app = app(provider, "0");

        TransportException e = catchThrowableOfType(TransportException.class, app::start);

        assertThat(e).hasMessage("The flaky broker at 'flaky://broker' (TWELVEFOLD_FLAKY_URI) is not reachable: "
                + "connection refused");
        assertThat(provider.attempts).hasValue(1);
    }

    @Test
    @DisplayName("refused credentials are a configuration problem: no second attempt")
    void credentialsAreNotRetried() {
        FlakyProvider provider = new FlakyProvider(0, true);
        App app = app(provider, "30s");

        ConfigurationException e = catchThrowableOfType(ConfigurationException.class, app::start);

        assertThat(e.problems()).containsExactly(
                "twelvefold.flaky.uri (TWELVEFOLD_FLAKY_URI): the broker refused the credentials");
        assertThat(provider.attempts).hasValue(1);
        assertThat(app.state()).isEqualTo(App.State.STOPPED);
    }

    @Test
    @DisplayName("a stop while the start waits for the broker ends the wait at once; the app is stopped")
    void stopEndsTheWait() throws Exception {
        FlakyProvider provider = new FlakyProvider(-1);
        App app = app(provider, "5m");
        CompletableFuture<Void> starting = CompletableFuture.runAsync(app::start);
        await().atMost(Duration.ofSeconds(10)).until(() -> provider.attempts.get() >= 1);

        app.close();

        starting.get(5, TimeUnit.SECONDS);
        assertThat(app.state()).isEqualTo(App.State.STOPPED);
        int attempts = provider.attempts.get();
        assertThat(attempts).isLessThanOrEqualTo(2);
    }
}
