package dev.aero.verkehr.tls;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;


import dev.aero.common.tls.ServiceCertificateEnrollment;
import dev.aero.verkehr.VerkehrProperties;

/**
 * The TLS listener's key material: the server key and certificate chain, and the platform CA
 * that client certificates must chain to. From files when configured; otherwise this node makes
 * its own key and has SP's CA certify it ({@code POST /api/v1/ca/service-certificates}, with the
 * deployment secret), and fetches the CA certificate from SP.
 *
 * @param key the server's private key
 * @param chain the server certificate first
 * @param ca the platform CA certificate
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> chain, X509Certificate ca) {

    public static final String SERVICE_NAME = "verkehr-push";

    public Instant notAfter() {
        return chain.getFirst().getNotAfter().toInstant();
    }

    /** Reads the configured files, or enrolls with SP when no certificate file is configured. */
    public static TlsMaterial obtain(VerkehrProperties settings, HttpClient http) throws IOException, GeneralSecurityException {
        VerkehrProperties.Tls tls = settings.tls();
        X509Certificate ca = configured(tls.caCertificateFile())
                ? certificates(Files.readString(tls.caCertificateFile())).getFirst()
                : fetchCa(settings.spUrl(), http);
        if (!tls.enrolls()) {
            List<X509Certificate> chain = certificates(Files.readString(tls.certificateFile()));
            PrivateKey key = privateKey(Files.readString(tls.privateKeyFile()));
            return new TlsMaterial(key, chain, ca);
        }
        return enroll(settings, http, ca);
    }

    private static boolean configured(Path p) {
        return p != null && !p.toString().isEmpty();
    }

    static X509Certificate fetchCa(URI spUrl, HttpClient http) throws IOException {
        return ServiceCertificateEnrollment.fetchCa(http, spUrl);
    }

    private static TlsMaterial enroll(VerkehrProperties settings, HttpClient http, X509Certificate ca)
            throws IOException, GeneralSecurityException {
        ServiceCertificateEnrollment.Enrolled enrolled = ServiceCertificateEnrollment.enroll(http, settings.spUrl(), SERVICE_NAME,
                settings.deploymentSecret(), settings.tls().hostnames(), ca);
        return new TlsMaterial(enrolled.key(), enrolled.chain(), ca);
    }

    public static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        return ServiceCertificateEnrollment.certificates(pem);
    }

    static PrivateKey privateKey(String pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IOException("no private key in PEM");
        }
    }
}
