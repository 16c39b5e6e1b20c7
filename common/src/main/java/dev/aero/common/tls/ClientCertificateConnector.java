package dev.aero.common.tls;

import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/**
 * The Tomcat connector of a device HTTPS listener: TLS 1.2 or 1.3 with the service's key and
 * chain, asking every client for a certificate without requiring one (the handlers decide, so
 * that a missing or refused certificate gets a problem+json answer rather than a failed
 * handshake). How a presented certificate is trusted is the caller's: the platform CA's trust
 * store, or a trust manager that lets the application check it.
 */
public final class ClientCertificateConnector {

    private static final String ALIAS = "server";
    /** Device connections held at once, unless the listener's settings say otherwise. */
    public static final int MAX_CONNECTIONS = 16_384;

    private ClientCertificateConnector() {
    }

    /**
     * @param address where to listen; null = every interface
     * @param chain the server certificate first, then its issuers
     * @param clientTrust sets how client certificates are trusted on the connector's TLS host
     */
    public static Connector build(InetAddress address, int port, PrivateKey key, List<X509Certificate> chain,
            Consumer<SSLHostConfig> clientTrust) throws GeneralSecurityException {
        // The key store lives only in memory; its password guards nothing but is required.
        char[] password = "device-tls".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try {
            keys.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot create an empty key store", e);
        }
        keys.setKeyEntry(ALIAS, key, password, chain.toArray(X509Certificate[]::new));

        Connector connector = new Connector(Http11NioProtocol.class.getName());
        connector.setPort(port);
        connector.setScheme("https");
        connector.setSecure(true);
        Http11NioProtocol protocol = (Http11NioProtocol) connector.getProtocolHandler();
        if (address != null) {
            protocol.setAddress(address);
        }
        protocol.setSSLEnabled(true);
        // Every device may hold a connection: above Tomcat's 8,192, within a process's 20,000 files.
        protocol.setMaxConnections(MAX_CONNECTIONS);
        SSLHostConfig host = new SSLHostConfig();
        host.setHostName("_default_");
        host.setProtocols(String.join("+", TlsPolicy.PROTOCOLS));
        host.setCiphers(String.join(",", TlsPolicy.CIPHERS));
        host.setHonorCipherOrder(true);
        host.setCertificateVerification("optional");
        clientTrust.accept(host);
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(host,
                key.getAlgorithm().equals("EC") ? SSLHostConfigCertificate.Type.EC : SSLHostConfigCertificate.Type.RSA);
        certificate.setCertificateKeystore(keys);
        certificate.setCertificateKeystorePassword(new String(password));
        certificate.setCertificateKeyAlias(ALIAS);
        host.addCertificate(certificate);
        protocol.addSslHostConfig(host);
        return connector;
    }
}
