package io.twelvefold.transport.rabbitmq;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import io.twelvefold.core.spi.ConfigKey;
import io.twelvefold.core.spi.Transport;
import io.twelvefold.core.spi.TransportContext;
import io.twelvefold.core.spi.TransportProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The {@code rabbitmq} transport: RabbitMQ over AMQP 0-9-1 with the RabbitMQ Java client.
 *
 * <ul>
 *   <li>A destination is a durable topic exchange; a consumer group is a durable queue
 *       {@code <destination>.<group>} bound to it with {@code #}: every group gets every message
 *       (fan-out), the members of a group compete for the messages of its queue, or take turns with
 *       {@code ordering=single-active-consumer}.</li>
 *   <li>Each group also gets the dead-letter exchange {@code <destination>.dlq} (the runtime's
 *       default dead-letter destination) and a queue {@code <destination>.dlq.<group>} that keeps
 *       the dead letters until a group of that name reads them.</li>
 *   <li>Messages are persistent; a send completes on the broker's publisher confirm and fails when
 *       the broker refuses it or returns it as unroutable (mandatory).</li>
 *   <li>Acknowledgements are manual; the broker pushes at most the prefetch of unacknowledged
 *       messages per subscription. Unacknowledged messages are redelivered when a subscription
 *       closes or the connection drops; a message delivered more than {@code max-deliveries} times is
 *       rejected to the dead-letter exchange.</li>
 *   <li>The client recovers connections, channels, consumers and topology; the transport is not
 *       {@linkplain Transport#connected() connected} meanwhile, nor after the broker cancelled a
 *       consumer (its queue was deleted). Sends not confirmed when the connection dropped are sent
 *       again after recovery.</li>
 * </ul>
 *
 * <p>Configuration, under {@code twelvefold.rabbitmq.}: see {@link #configKeys()} and
 * {@code docs/transports/rabbitmq.md}. Instances are stateless and thread-safe.
 */
public final class RabbitMqTransportProvider implements TransportProvider {
    private static final int AMQP_PORT = 5672;
    private static final int AMQPS_PORT = 5671;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Declarations declarations;

    /** Creates the provider; called by {@link java.util.ServiceLoader}. */
    public RabbitMqTransportProvider() {
        this(Declarations.NONE);
    }

    /** Creates a provider that reports every exchange and queue it declares (tests delete them). */
    RabbitMqTransportProvider(Declarations declarations) {
        this.declarations = Objects.requireNonNull(declarations, "declarations");
    }

    /** Hears of every exchange and queue a transport declares. */
    interface Declarations {
        Declarations NONE = new Declarations() {
            @Override
            public void exchange(String name) {
            }

            @Override
            public void queue(String name) {
            }
        };

        void exchange(String name);

        void queue(String name);
    }

    /** @return {@code rabbitmq} */
    @Override
    public String name() {
        return RabbitMqConfig.NAME;
    }

    /** @return the keys documented in {@code docs/transports/rabbitmq.md}; {@code uri} and the passwords are secret */
    @Override
    public List<ConfigKey> configKeys() {
        return RabbitMqConfig.KEYS;
    }

    /**
     * Validates the configuration and opens the two connections.
     *
     * @param context the configuration, never null
     * @return a connected transport, never null
     * @throws ConfigurationException listing every invalid value, secrets redacted
     * @throws TransportException when the broker cannot be reached or refuses the credentials
     */
    @Override
    public Transport create(TransportContext context) {
        RabbitMqConfig config = RabbitMqConfig.from(context.properties());
        ConnectionFactory factory = factory(config);
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "twelvefold-rabbitmq-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Connection publishing = null;
        try {
            publishing = factory.newConnection(config.connectionName() + "-publish");
            Connection consuming = factory.newConnection(config.connectionName() + "-consume");
            return new RabbitMqTransport(config, publishing, consuming, executor, context.meterRegistry(),
                    declarations);
        } catch (IOException | TimeoutException | RuntimeException e) {
            executor.shutdown();
            if (publishing != null) {
                publishing.abort();
            }
            if (e instanceof TransportException te) {
                throw te;
            }
            throw new TransportException("RabbitMQ at '" + RabbitMqConfig.redact(config.uri().toString())
                    + "' is not reachable: " + e.getMessage() + "; check " + RabbitMqConfig.describe(RabbitMqConfig.URI_KEY)
                    + " and that the broker runs", e);
        }
    }

    private static ConnectionFactory factory(RabbitMqConfig config) {
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

    private static SSLContext sslContext(RabbitMqConfig.Tls tls) {
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
            String reason = e instanceof java.nio.file.NoSuchFileException ? "no such file"
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
