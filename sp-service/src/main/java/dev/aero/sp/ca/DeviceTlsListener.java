package dev.aero.sp.ca;

import dev.aero.common.tls.ClientCertificateConnector;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

import org.apache.catalina.connector.Connector;

import dev.aero.sp.ca.CertificateAuthority.ServerCredentials;

/** The Tomcat connector of SP's HTTPS listener for devices (see {@link DeviceTlsProperties}). */
public final class DeviceTlsListener {

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
        try {
            return ClientCertificateConnector.build(properties.address().isBlank() ? null : parseAddress(properties.address()),
                    properties.port(), credentials.privateKey(), List.of(credentials.certificate(), credentials.caCertificate()),
                    host -> host.setTrustManagerClassName(AcceptAnyClientCertificate.class.getName()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot build the device TLS key store", e);
        }
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
