package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ExceptionHandler;
import com.rabbitmq.client.MalformedFrameException;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import com.rabbitmq.client.ShutdownSignalException;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens the transport's two connections at the same time and, when they cannot be opened, says why
 * in one line: a {@link TransportException} when the broker cannot be reached (refused, timed out,
 * unknown host, not an AMQP server), which the runtime retries; a {@link ConfigurationException}
 * when it refused the credentials or the virtual host, which it does not. Neither leaves a
 * connection open. Stateless.
 */
final class Connector {
    private static final int AMQP_PORT = 5672;
    private static final int AMQPS_PORT = 5671;
    private static final int NOT_ALLOWED = 530;

    private Connector() {
    }

    /**
     * The connection factory: the URI's host, port, user, password and virtual host (or
     * {@code virtual-host}), {@code connection-timeout} for the TCP connection and for the AMQP
     * handshake, automatic recovery of connections and topology, TLS when enabled.
     *
     * @param handler the client's exception handler, never null
     * @throws ConfigurationException when a TLS store cannot be read
     */
    static ConnectionFactory factory(RabbitMqConfig config, ExceptionHandler handler) {
        URI uri = config.uri();
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(uri.getHost());
        boolean tls = config.tls().enabled();
        f.setPort(uri.getPort() > 0 ? uri.getPort() : tls ? AMQPS_PORT : AMQP_PORT);
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            f.setUsername(decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
            if (colon >= 0) {
                f.setPassword(decode(userInfo.substring(colon + 1)));
            }
        }
        String path = uri.getRawPath();
        String virtualHost = path == null || path.length() <= 1 ? "/" : decode(path.substring(1));
        f.setVirtualHost(config.virtualHost() != null ? config.virtualHost() : virtualHost);
        int timeout = (int) config.connectionTimeout().toMillis();
        f.setConnectionTimeout(timeout);
        f.setHandshakeTimeout(timeout);
        f.setExceptionHandler(handler);
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(config.recoveryInterval().toMillis());
        if (tls) {
            f.useSslProtocol(sslContext(config.tls()));
            if (config.tls().verifyHostname()) {
                f.enableHostnameVerification();
            }
        }
        return f;
    }

    /**
     * Opens the publishing connection on this thread and the consuming one on the executor, and
     * waits for both.
     *
     * @return the publishing and the consuming connection, never null
     * @throws TransportException when the broker cannot be reached, the connections closed
     * @throws ConfigurationException when it refused the credentials or the virtual host
     */
    static Connection[] open(RabbitMqConfig config, ConnectionFactory factory, ExecutorService executor) {
        CompletableFuture<Connection> consumingOpened = CompletableFuture.supplyAsync(() -> {
            try {
                return factory.newConnection(config.connectionName() + "-consume");
            } catch (IOException | TimeoutException e) {
                throw new CompletionException(e);
            }
        }, executor);
        Connection publishing = null;
        Throwable failure = null;
        try {
            publishing = factory.newConnection(config.connectionName() + "-publish");
        } catch (IOException | TimeoutException | RuntimeException e) {
            failure = e;
        }
        Connection consuming = null;
        try {
            consuming = consumingOpened.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause()
                    : e.getCause();
            // a refusal of the credentials says more than a refused connection
            if (failure == null || failure(config, factory, cause) instanceof ConfigurationException) {
                failure = cause;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            consumingOpened.thenAccept(Connection::abort);
            failure = e;
        }
        if (failure == null) {
            return new Connection[] {publishing, consuming};
        }
        for (Connection c : new Connection[] {publishing, consuming}) {
            if (c != null) {
                c.abort();
            }
        }
        throw failure(config, factory, failure);
    }

    /**
     * What a failure to connect means, in one line naming the setting to check; the URI without its
     * password.
     *
     * @return a {@link ConfigurationException} for refused credentials or virtual host, else a
     *     {@link TransportException}, never null
     */
    static RuntimeException failure(RabbitMqConfig config, ConnectionFactory factory, Throwable failure) {
        String uri = RabbitMqConfig.redact(config.uri().toString());
        String reason = null;
        for (Throwable t = failure; t != null && reason == null; t = t.getCause()) {
            if (t instanceof AuthenticationFailureException) {
                return new ConfigurationException("User '" + factory.getUsername() + "' of "
                        + RabbitMqConfig.describe(RabbitMqConfig.URI_KEY) + " was refused by RabbitMQ (" + t.getMessage()
                        + "), was '" + uri + "'; set the user name and password of a RabbitMQ user");
            }
            if (t instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Connection.Close close
                    && close.getReplyCode() == NOT_ALLOWED) {
                String key = config.virtualHost() != null ? RabbitMqConfig.describe(RabbitMqConfig.VIRTUAL_HOST)
                        : "the path of " + RabbitMqConfig.describe(RabbitMqConfig.URI_KEY);
                return new ConfigurationException("Virtual host '" + factory.getVirtualHost() + "' is not open to user '"
                        + factory.getUsername() + "' on RabbitMQ (" + close.getReplyCode() + " " + close.getReplyText()
                        + "), was '" + uri + "'; create it or grant the user access to it, or set " + key);
            }
            reason = reason(t, config.connectionTimeout());
        }
        if (reason == null) {
            reason = failure.getClass().getSimpleName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        }
        return new TransportException("RabbitMQ at '" + uri + "' is not reachable: " + reason + "; check "
                + RabbitMqConfig.describe(RabbitMqConfig.URI_KEY) + " and that the broker runs", failure);
    }

    /** A failure to reach the broker in a few words, or null when {@code t} is not one the words are known of. */
    private static String reason(Throwable t, Duration timeout) {
        String within = ConfigReader.format(timeout) + " (" + RabbitMqConfig.describe(RabbitMqConfig.CONNECTION_TIMEOUT)
                + ")";
        if (t instanceof InterruptedException) {
            return "interrupted while connecting";
        }
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        if (t instanceof SocketTimeoutException) {
            return "no connection within " + within;
        }
        if (t instanceof TimeoutException) {
            return "connected, but no AMQP handshake within " + within + "; is it a RabbitMQ AMQP port?";
        }
        if (t instanceof UnknownHostException) {
            return "unknown host '" + hostOf(t) + "'";
        }
        if (t instanceof MalformedFrameException) {
            return "the server does not speak AMQP 0-9-1";
        }
        if (t instanceof SSLException) {
            return "TLS failed: " + t.getMessage();
        }
        if (t instanceof PossibleAuthenticationFailureException) {
            return "the broker closed the connection during the handshake (refused credentials, or a limit)";
        }
        return null;
    }

    private static String hostOf(Throwable unknownHost) {
        String message = String.valueOf(unknownHost.getMessage());
        int colon = message.indexOf(':');
        return colon < 0 ? message : message.substring(0, colon);
    }

    /**
     * The TLS context of the transport's connections.
     *
     * @throws ConfigurationException when a store cannot be read, naming the key and the file
     */
    static SSLContext sslContext(RabbitMqConfig.Tls tls) {
        KeyStore trustStore = tls.trustStore() == null ? null
                : load(RabbitMqConfig.TLS_TRUST_STORE, tls.trustStore(), tls.trustStorePassword());
        KeyStore keyStore = tls.keyStore() == null ? null
                : load(RabbitMqConfig.TLS_KEY_STORE, tls.keyStore(), tls.keyStorePassword());
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore);
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keyStore, tls.keyStorePassword() == null ? new char[0] : tls.keyStorePassword().toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigurationException(RabbitMqConfig.describe(RabbitMqConfig.TLS_KEY_STORE)
                    + " cannot be used for TLS: " + e.getMessage() + ", was '" + tls.keyStore() + "'");
        }
    }

    /** Loads a PKCS12 store; the problem names the key and the file, never the password. */
    private static KeyStore load(String key, String file, String password) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            String reason = e instanceof NoSuchFileException ? "no such file"
                    : e.getMessage() != null && e.getMessage().contains("password") ? "wrong password or not PKCS12"
                    : "not a PKCS12 store (" + e.getClass().getSimpleName() + ")";
            throw new ConfigurationException(RabbitMqConfig.describe(key) + " cannot be read: " + reason + ", was '"
                    + file + "'");
        }
    }

    private static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
