package io.twelvefold.transport.kafka;

import static io.twelvefold.transport.kafka.KafkaTransportConfig.BOOTSTRAP_SERVERS;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.SECURITY_PROTOCOL;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.key;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Checks, before any Kafka client exists, that a bootstrap server answers: a TCP connection, then
 * over a plain socket a Kafka {@code ApiVersions} request (and, without SASL, a {@code Metadata}
 * request, which a listener that wants authentication refuses by closing the connection); with TLS,
 * a handshake instead (the certificate is checked later, by the clients, with the configured
 * truststore). A Kafka client logs some hundred lines of configuration when it is created, and
 * while its bootstrap servers refuse connections it retries in a loop: the start loop calls
 * {@code create} again every few seconds, so clients are created only once a broker answers.
 *
 * <p>No thread, no log line: the caller's thread does the work, bounded by the connect timeout per
 * address; the outcome is an exception whose one-line message names the setting and the cause.
 */
final class BrokerProbe {
    private static final short API_VERSIONS = 18;
    private static final short METADATA = 3;
    /** Metadata v4: every broker since 1.0 answers it, and 4.x still does (v0-v3 were removed). */
    private static final short METADATA_VERSION = 4;
    private static final short UNSUPPORTED_VERSION = 35;
    private static final int MAX_RESPONSE = 1 << 20;
    private static final byte[] CLIENT_ID = "twelvefold-probe".getBytes(StandardCharsets.UTF_8);

    /**
     * Why an address did not do: a phrase that follows the address, and the fix to suggest.
     *
     * @param wrongProtocol whether the address answered, but wants another security protocol (not worth retrying)
     */
    record Failure(String address, String cause, String fix, Throwable error, boolean wrongProtocol) {
        Failure(String address, String cause, String fix, Throwable error) {
            this(address, cause, fix, error, false);
        }
    }

    private final Duration timeout;
    private final boolean tls;
    private final boolean sasl;

    private BrokerProbe(Duration timeout, boolean tls, boolean sasl) {
        this.timeout = timeout;
        this.tls = tls;
        this.sasl = sasl;
    }

    /**
     * Probes the bootstrap servers in order until one answers like a Kafka broker.
     *
     * @param config the transport's settings
     * @throws TransportException when none does, naming the setting and each address's cause
     * @throws ConfigurationException when none does and one answered but wants authentication
     */
    static void check(KafkaTransportConfig config) {
        String protocol = config.securityProtocol;
        BrokerProbe probe = new BrokerProbe(config.connectTimeout, protocol.endsWith("SSL"),
                protocol.startsWith("SASL"));
        List<Failure> failures = new ArrayList<>();
        for (InetSocketAddress address : config.bootstrapAddresses) {
            Failure f = probe.probe(address);
            if (f == null) {
                return;
            }
            failures.add(f);
        }
        for (Failure f : failures) {
            if (f.wrongProtocol()) {
                throw new ConfigurationException(key(SECURITY_PROTOCOL) + " does not match the Kafka listener at '"
                        + f.address() + "', which " + f.cause() + ", was '" + protocol + "'; " + f.fix());
            }
        }
        throw failure(config.bootstrapServers, failures);
    }

    static TransportException failure(String servers, List<Failure> failures) {
        StringBuilder sb = new StringBuilder("No Kafka broker answered at ").append(key(BOOTSTRAP_SERVERS))
                .append(", was '").append(servers).append("': ");
        for (int i = 0; i < failures.size(); i++) {
            Failure f = failures.get(i);
            sb.append(i == 0 ? "" : ", ").append(f.address()).append(' ').append(f.cause());
        }
        sb.append("; ").append(failures.get(0).fix());
        return new TransportException(sb.toString(), failures.get(0).error());
    }

    /** @return null when the address answered like a Kafka broker, else why not */
    Failure probe(InetSocketAddress unresolved) {
        String address = unresolved.getHostString() + ":" + unresolved.getPort();
        InetSocketAddress resolved;
        try {
            resolved = new InetSocketAddress(InetAddress.getByName(unresolved.getHostString()), unresolved.getPort());
        } catch (UnknownHostException e) {
            return new Failure(address, "is an unknown host", "check the host name", e);
        }
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try (Socket socket = new Socket()) {
            try {
                socket.connect(resolved, millis);
            } catch (ConnectException e) {
                return new Failure(address, "refused the connection", "check the address and that the broker runs", e);
            } catch (SocketTimeoutException e) {
                return new Failure(address, "did not accept a connection within " + shown(timeout),
                        "check the address and that the network lets it through", e);
            } catch (NoRouteToHostException e) {
                return new Failure(address, "cannot be reached (no route to host)",
                        "check the address and that the network lets it through", e);
            }
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            return tls ? handshake(socket, unresolved, address) : exchange(socket, address);
        } catch (IOException e) {
            return new Failure(address, "cannot be reached (" + describe(e) + ")",
                    "check the address and that the broker runs", e);
        }
    }

    /** ApiVersions, then (without SASL) Metadata, on a connected plain socket. */
    private Failure exchange(Socket socket, String address) throws IOException {
        try {
            if (!answersApiVersions(socket)) {
                return notKafka(address, null);
            }
            if (!sasl && !answersMetadata(socket)) {
                return new Failure(address, "closed the connection at a request without authentication",
                        "the listener seems to want SASL: set it to SASL_PLAINTEXT (or SASL_SSL) and set "
                                + key(KafkaTransportConfig.SASL_JAAS_CONFIG), null, true);
            }
            return null;
        } catch (SocketTimeoutException e) {
            return new Failure(address, "accepted the connection but did not answer within " + shown(timeout),
                    "check that the address is a Kafka listener and that the broker is not overloaded", e);
        } catch (EOFException e) {
            return notKafka(address, e);
        }
    }

    private Failure notKafka(String address, Throwable error) {
        return new Failure(address, "answered, but not like a Kafka broker", "check that the port is a Kafka "
                + (sasl ? "SASL_PLAINTEXT" : "PLAINTEXT") + " listener, as " + key(SECURITY_PROTOCOL) + " says", error);
    }

    /**
     * A TLS handshake with the JDK's default trust: a server that answers it, even with a
     * certificate only the configured truststore trusts, is a TLS listener.
     */
    private Failure handshake(Socket socket, InetSocketAddress unresolved, String address) throws IOException {
        SSLContext context;
        try {
            context = SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            return null; // the connection was accepted; the clients check the rest
        }
        try (SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, unresolved.getHostString(),
                unresolved.getPort(), false)) {
            ssl.setSoTimeout(socket.getSoTimeout());
            ssl.startHandshake();
            return null;
        } catch (SocketTimeoutException e) {
            return new Failure(address, "accepted the connection but did not answer the TLS handshake within "
                    + shown(timeout), "check that the address is a Kafka TLS listener", e);
        } catch (SSLException e) {
            if (hasCause(e, EOFException.class) || String.valueOf(e.getMessage()).contains("terminated the handshake")
                    || String.valueOf(e.getMessage()).contains("Unsupported or unrecognized SSL message")) {
                return new Failure(address, "did not answer the TLS handshake", "check that the port is a Kafka TLS "
                        + "listener, or set " + key(SECURITY_PROTOCOL) + " to match it", e);
            }
            return null; // it answered in TLS (a certificate the JDK's default trust does not know, say)
        }
    }

    private boolean answersApiVersions(Socket socket) throws IOException {
        int correlation = 0x7f100001;
        // ApiVersions v0: a request header v1 and an empty body
        ByteBuffer request = header(API_VERSIONS, (short) 0, correlation, 0);
        ByteBuffer response = roundTrip(socket, request, correlation);
        if (response == null || response.remaining() < 2) {
            return false;
        }
        short error = response.getShort();
        return error == 0 || error == UNSUPPORTED_VERSION;
    }

    private boolean answersMetadata(Socket socket) throws IOException {
        int correlation = 0x7f100002;
        // Metadata v4: no topics (an empty array, not null, which means all) and no auto-creation
        ByteBuffer request = header(METADATA, METADATA_VERSION, correlation, 5);
        request.putInt(0).put((byte) 0);
        try {
            return roundTrip(socket, request, correlation) != null;
        } catch (EOFException e) {
            return false;
        }
    }

    /** A request of {@code bodySize} bytes after a v1 header, its size prefix written, positioned at the body. */
    private static ByteBuffer header(short apiKey, short version, int correlation, int bodySize) {
        int size = 2 + 2 + 4 + 2 + CLIENT_ID.length + bodySize;
        ByteBuffer b = ByteBuffer.allocate(4 + size);
        b.putInt(size).putShort(apiKey).putShort(version).putInt(correlation).putShort((short) CLIENT_ID.length)
                .put(CLIENT_ID);
        return b;
    }

    /** @return the response body after the correlation id, or null when the answer is not Kafka's */
    private static ByteBuffer roundTrip(Socket socket, ByteBuffer request, int correlation) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.array(), 0, request.position());
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int size = in.readInt();
        if (size < 4 || size > MAX_RESPONSE) {
            return null;
        }
        byte[] body = new byte[size];
        in.readFully(body);
        ByteBuffer b = ByteBuffer.wrap(body);
        return b.getInt() == correlation ? b : null;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** An exception as a few words: its message, or its class when it has none. */
    static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** {@code 5s}, {@code 500ms}: as the settings are written. */
    static String shown(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
