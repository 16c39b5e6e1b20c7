package dev.aero.sp.ca;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

import javax.net.ssl.X509TrustManager;

/**
 * The TLS listener's trust manager: the handshake only proves that the client holds the key of
 * the certificate it presents. Chain, expiry, revocation and identity are checked per request
 * by the device authentication, so that a bad certificate gets a clear problem+json answer
 * instead of a failed handshake. Instantiated by Tomcat by class name.
 */
public final class AcceptAnyClientCertificate implements X509TrustManager {

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("empty client certificate chain");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager only checks clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
