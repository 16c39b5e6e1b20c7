package dev.aero.common.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the platform CA's CRL: reads it every refresh period (SP's {@code /api/v1/ca/crl}, or a
 * {@code file:} URL), checks its signature against the CA, and hands each new set of revoked
 * serials on. A CRL that cannot be read or verified leaves the last good one in force.
 */
public final class RevocationFollower {

    private static final Logger log = LoggerFactory.getLogger(RevocationFollower.class);

    private final URI source;
    private final HttpClient http;
    private volatile X509Certificate ca;
    private volatile Set<BigInteger> revoked = Set.of();
    private volatile BigInteger lastNumber;
    private volatile long lastSuccess;
    private volatile long failures;

    public RevocationFollower(URI source, HttpClient http) {
        this.source = source;
        this.http = http;
    }

    /** Where the CRL is read from. */
    public URI source() {
        return source;
    }

    public void trust(X509Certificate ca) {
        this.ca = ca;
    }

    public boolean isRevoked(X509Certificate certificate) {
        return revoked.contains(certificate.getSerialNumber());
    }

    public Set<BigInteger> revoked() {
        return revoked;
    }

    public long failures() {
        return failures;
    }

    public long lastSuccess() {
        return lastSuccess;
    }

    /** Reads the CRL once; a changed list goes to {@code onChange}. */
    public void refresh(Consumer<Set<BigInteger>> onChange) {
        X509Certificate issuer = ca;
        if (issuer == null) {
            return;
        }
        try {
            X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(read()));
            crl.verify(issuer.getPublicKey());
            if (!crl.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw new GeneralSecurityException("CRL issued by " + crl.getIssuerX500Principal());
            }
            BigInteger number = crlNumber(crl);
            lastSuccess = System.currentTimeMillis();
            if (number != null && number.equals(lastNumber)) {
                return;
            }
            Set<BigInteger> serials = new HashSet<>();
            Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
            if (entries != null) {
                entries.forEach(e -> serials.add(e.getSerialNumber()));
            }
            lastNumber = number;
            if (!serials.equals(revoked)) {
                revoked = Set.copyOf(serials);
                onChange.accept(revoked);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            failures++;
            log.debug("CRL refresh from {} failed: {}", source, e.toString());
        }
    }

    private byte[] read() throws IOException {
        if ("file".equals(source.getScheme())) {
            try (InputStream in = source.toURL().openStream()) {
                return in.readAllBytes();
            }
        }
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(source).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static BigInteger crlNumber(X509CRL crl) {
        byte[] ext = crl.getExtensionValue("2.5.29.20");
        if (ext == null) {
            return null;
        }
        try {
            var octets = org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets();
            return org.bouncycastle.asn1.ASN1Integer.getInstance(octets).getValue();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
