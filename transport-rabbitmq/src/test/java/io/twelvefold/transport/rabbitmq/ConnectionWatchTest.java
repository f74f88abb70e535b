package io.twelvefold.transport.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ExceptionHandler;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import com.rabbitmq.client.impl.AMQImpl;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The two lines of an outage, and the quiet exception handler, without a broker. */
class ConnectionWatchTest {
    private static final String WATCH = ConnectionWatch.class.getName();

    /** A connection of which only the name and the listeners are real. */
    private static final class FakeConnection {
        final List<ShutdownListener> shutdown = new ArrayList<>();
        final List<RecoveryListener> recovery = new ArrayList<>();
        final Connection proxy;

        FakeConnection(String name) {
            proxy = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                    new Class<?>[] {Connection.class, Recoverable.class}, (p, method, args) -> switch (method.getName()) {
                        case "addShutdownListener" -> shutdown.add((ShutdownListener) args[0]) ? null : null;
                        case "addRecoveryListener" -> recovery.add((RecoveryListener) args[0]) ? null : null;
                        case "getClientProvidedName" -> name;
                        case "toString" -> name;
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        void cut() {
            ShutdownSignalException cause = new ShutdownSignalException(true, false,
                    new AMQImpl.Connection.Close(320, "CONNECTION_FORCED - broker restart", 0, 0), proxy);
            shutdown.forEach(l -> l.shutdownCompleted(cause));
        }

        void recover() {
            recovery.forEach(l -> l.handleRecovery((Recoverable) proxy));
        }
    }

    private static List<String> watchLines(long mark) {
        return CapturedLogs.since(mark).stream().filter(e -> e.logger().equals(WATCH))
                .map(e -> e.level() + " " + e.message() + (e.thrown() == null ? "" : " +stack")).toList();
    }

    @Test
    @DisplayName("Two connections lost together and recovered: one WARN at the first loss, one INFO at the last recovery, with the counts")
    void oneWarnOneInfo() {
        RabbitMqConfig config = RabbitMqConfig.from(Map.of());
        ConnectionWatch watch = new ConnectionWatch(config, new RabbitMqMeters());
        FakeConnection publishing = new FakeConnection("app-publish");
        FakeConnection consuming = new FakeConnection("app-consume");
        watch.counts(() -> 2, () -> 5);
        watch.watch(publishing.proxy, true);
        watch.watch(consuming.proxy, false);
        long mark = CapturedLogs.mark();

        publishing.cut();
        consuming.cut();
        watch.resent(2);
        watch.redelivered(5);
        publishing.recover();
        assertThat(watchLines(mark)).as("before the second connection is back").hasSize(1);
        consuming.recover();

        List<String> lines = watchLines(mark);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("WARN RabbitMQ connection lost (publishing connection 'app-publish': 320 "
                + "CONNECTION_FORCED - broker restart); in flight: 2 send(s) not yet confirmed, 5 delivery(ies) not yet "
                + "acknowledged; reconnecting every 1s");
        assertThat(lines.get(1)).matches("INFO RabbitMQ connection recovered after \\d+ ms: 2 send\\(s\\) published "
                + "again, 5 delivery\\(ies\\) left to the broker to deliver again");

        long second = CapturedLogs.mark();
        consuming.cut();
        consuming.recover();
        assertThat(watchLines(second)).as("the next outage, counted afresh")
                .hasSize(2).last().asString().contains(": 0 send(s) published again, 0 delivery(ies)");
    }

    @Test
    @DisplayName("The exception handler: unreachable broker quiet, another failure one WARN line per outage, a listener's exception an ERROR with its stack")
    void quietExceptionHandler() {
        ConnectionWatch watch = new ConnectionWatch(RabbitMqConfig.from(Map.of()), new RabbitMqMeters());
        FakeConnection connection = new FakeConnection("app-consume");
        watch.watch(connection.proxy, false);
        ExceptionHandler handler = watch.exceptionHandler();
        long mark = CapturedLogs.mark();
        connection.cut();
        for (int i = 0; i < 20; i++) {
            handler.handleConnectionRecoveryException(connection.proxy, new ConnectException("Connection refused"));
            handler.handleConnectionRecoveryException(connection.proxy,
                    new java.io.IOException(new SocketTimeoutException("connect timed out")));
            handler.handleUnexpectedConnectionDriverException(connection.proxy,
                    new java.net.SocketException("Connection reset"));
        }
        for (int i = 0; i < 3; i++) {
            handler.handleConnectionRecoveryException(connection.proxy,
                    new AuthenticationFailureException("ACCESS_REFUSED - Login was refused"));
        }
        List<String> lines = watchLines(mark);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).isEqualTo("WARN RabbitMQ transport could not reconnect: "
                + "com.rabbitmq.client.AuthenticationFailureException: ACCESS_REFUSED - Login was refused; trying again "
                + "every 1s");

        long listener = CapturedLogs.mark();
        handler.handleConfirmListenerException(channel(), new IllegalStateException("a bug"));
        assertThat(CapturedLogs.since(listener)).filteredOn(e -> e.logger().equals(WATCH))
                .singleElement().satisfies(e -> {
                    assertThat(e.level()).isEqualTo(Level.ERROR);
                    assertThat(e.thrown()).hasMessage("a bug");
                });
    }

    /** A channel that only closes. */
    private static com.rabbitmq.client.Channel channel() {
        return (com.rabbitmq.client.Channel) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {com.rabbitmq.client.Channel.class}, (p, method, args) -> switch (method.getName()) {
                    case "close", "abort" -> null;
                    case "toString" -> "channel";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
