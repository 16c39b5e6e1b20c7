package dev.aero.client.device;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Objects;

/** PEM text as SP sends and accepts it: certificates in, certification requests out. */
public final class Pem {

    private static final Base64.Encoder BODY = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    /**
     * Parses the first certificate of a PEM text.
     *
     * @throws IllegalArgumentException if the text holds no X.509 certificate
     */
    public static X509Certificate parseCertificate(String pem) {
        Objects.requireNonNull(pem, "pem");
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            return (X509Certificate) factory.generateCertificate(
                    new ByteArrayInputStream(pem.strip().getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** Wraps DER bytes as PEM with the given label, e.g. {@code CERTIFICATE REQUEST}. */
    public static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + BODY.encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
