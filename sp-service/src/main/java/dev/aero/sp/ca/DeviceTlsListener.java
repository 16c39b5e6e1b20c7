package dev.aero.sp.ca;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

import dev.aero.sp.ca.CertificateAuthority.ServerCredentials;

/** The Tomcat connector of SP's HTTPS listener for devices (see {@link DeviceTlsProperties}). */
public final class DeviceTlsListener {

    private static final String KEY_ALIAS = "sp";

    private final Connector connector;

    DeviceTlsListener(CertificateAuthority ca, DeviceTlsProperties properties) {
        this.connector = connector(ca, properties);
    }

    Connector connector() {
        return connector;
    }

    /** The port it listens on, once the server has started. */
    public int localPort() {
        return connector.getLocalPort();
    }

    private static Connector connector(CertificateAuthority ca, DeviceTlsProperties properties) {
        List<InetAddress> addresses = new ArrayList<>();
        for (String ip : properties.ipAddresses()) {
            addresses.add(parseAddress(ip));
        }
        ServerCredentials credentials = ca.issueServerCredentials(properties.hostnames(), addresses,
                properties.certificateValidity());
        char[] password = Long.toHexString(ca.nextSerial()).toCharArray();
        KeyStore keyStore;
        try {
            keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry(KEY_ALIAS, credentials.privateKey(), password,
                    new X509Certificate[] { credentials.certificate(), credentials.caCertificate() });
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("Cannot build the device TLS key store", e);
        }

        Connector connector = new Connector(Http11NioProtocol.class.getName());
        connector.setPort(properties.port());
        connector.setScheme("https");
        connector.setSecure(true);
        Http11NioProtocol protocol = (Http11NioProtocol) connector.getProtocolHandler();
        if (!properties.address().isBlank()) {
            protocol.setAddress(parseAddress(properties.address()));
        }
        protocol.setSSLEnabled(true);
        SSLHostConfig host = new SSLHostConfig();
        host.setHostName("_default_");
        host.setProtocols("TLSv1.2+TLSv1.3");
        host.setCertificateVerification("optional");
        host.setTrustManagerClassName(AcceptAnyClientCertificate.class.getName());
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.EC);
        certificate.setCertificateKeystore(keyStore);
        certificate.setCertificateKeystorePassword(new String(password));
        certificate.setCertificateKeyAlias(KEY_ALIAS);
        host.addCertificate(certificate);
        protocol.addSslHostConfig(host);
        return connector;
    }

    private static InetAddress parseAddress(String ip) {
        try {
            // Literal addresses only: getByName does no lookup for them.
            if (!ip.matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("not an IP address literal: " + ip);
            }
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address literal: " + ip, e);
        }
    }
}
