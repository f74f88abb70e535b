package io.twelvefold.transport.kafka;

import static io.twelvefold.transport.kafka.KafkaTransportConfig.BOOTSTRAP_SERVERS;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.KEYSTORE_LOCATION;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.SASL_JAAS_CONFIG;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.SASL_MECHANISM;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.SECURITY_PROTOCOL;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.TRUSTSTORE_LOCATION;
import static io.twelvefold.transport.kafka.KafkaTransportConfig.key;

import io.twelvefold.core.ConfigurationException;
import io.twelvefold.core.TransportException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * With SASL or TLS, whether the broker accepts the credentials and the TLS handshake, before the
 * transport starts: a refusal is a configuration problem (retrying does not help), which the
 * clients would otherwise only log while the app waits for a group it cannot join. The check is one
 * {@code describeCluster} call of the admin client, which the transport then keeps.
 */
final class Credentials {
    private Credentials() {
    }

    /**
     * @param config the settings; the bootstrap servers answered the {@link BrokerProbe}
     * @return the admin client that passed the check, or null without SASL or TLS (nothing to check)
     * @throws ConfigurationException when the broker refused the credentials or the handshake
     * @throws TransportException when the broker did not complete the check in time
     */
    static Admin check(KafkaTransportConfig config) {
        if ("PLAINTEXT".equals(config.securityProtocol)) {
            return null;
        }
        Admin admin = Admin.create(KafkaTransport.adminProperties(config));
        long millis = config.connectTimeout.toMillis();
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) Math.min(Integer.MAX_VALUE, millis)))
                    .clusterId().get(millis + 500, TimeUnit.MILLISECONDS);
            return admin;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                admin.close(Duration.ZERO);
                throw new ConfigurationException(refused(config, refused));
            }
            // anything else went past authentication (an authorisation error, say): the clients handle it
            return admin;
        } catch (TimeoutException e) {
            admin.close(Duration.ZERO);
            throw new TransportException("The Kafka broker at " + key(BOOTSTRAP_SERVERS) + ", was '"
                    + config.bootstrapServers + "', did not complete the " + config.securityProtocol + " handshake within "
                    + BrokerProbe.shown(config.connectTimeout) + "; check the address and "
                    + key(SECURITY_PROTOCOL), e);
        } catch (InterruptedException e) {
            admin.close(Duration.ZERO);
            Thread.currentThread().interrupt();
            throw new TransportException("Interrupted while connecting to Kafka", e);
        } catch (RuntimeException e) {
            admin.close(Duration.ZERO);
            throw e;
        }
    }

    private static String refused(KafkaTransportConfig config, AuthenticationException e) {
        String reason = rootMessage(e);
        if (e instanceof SslAuthenticationException) {
            return key(TRUSTSTORE_LOCATION) + " did not let the TLS handshake with the Kafka broker at '"
                    + config.bootstrapServers + "' succeed (" + reason + "), was '" + shown(config, SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG)
                    + "'; check that the truststore holds the brokers' CA, and for mutual TLS "
                    + key(KEYSTORE_LOCATION) + " and its passwords";
        }
        return key(SASL_JAAS_CONFIG) + " was refused by the Kafka broker at '" + config.bootstrapServers + "' ("
                + reason + "), was '<redacted>'; check the user name and password, and " + key(SASL_MECHANISM)
                + ", was '" + shown(config, SaslConfigs.SASL_MECHANISM) + "'";
    }

    private static String shown(KafkaTransportConfig config, String nativeName) {
        Object v = config.common.get(nativeName);
        return v == null ? "" : v.toString();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return BrokerProbe.describe(t).replace('\n', ' ');
    }
}
