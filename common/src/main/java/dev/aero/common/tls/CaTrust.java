package dev.aero.common.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Trust in the platform CA alone, as TLS needs it: the CA that issues device and service
 * certificates is the only anchor a device, a service or a listener of the platform accepts.
 */
public final class CaTrust {

    private CaTrust() {
    }

    /** A key store holding only {@code ca}, as a trusted certificate. */
    public static KeyStore keyStore(X509Certificate ca) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("platform-ca", ca);
        return store;
    }

    /** Trust managers (PKIX) that accept only chains to {@code ca}. */
    public static TrustManager[] trustManagers(X509Certificate ca) throws GeneralSecurityException, IOException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(keyStore(ca));
        return factory.getTrustManagers();
    }
}
