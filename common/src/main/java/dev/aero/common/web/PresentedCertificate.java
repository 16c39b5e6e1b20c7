package dev.aero.common.web;

import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The client certificate a request presents: the one its TLS connection verified, or, when the
 * request comes from a trusted front proxy, the one that proxy forwards in a header (URL-encoded
 * PEM). The header is ignored from anyone else. The caller still checks the certificate itself
 * (issuer, validity, revocation): this only finds it.
 */
public final class PresentedCertificate {

    /** Where the servlet container puts the verified TLS client chain. */
    public static final String TLS_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    /** Longer than any certificate of the platform's, URL-encoded. */
    public static final int MAX_HEADER_LENGTH = 16 * 1024;

    /** A forwarded certificate that is too long or cannot be read. */
    public static final class UnreadableException extends Exception {
        UnreadableException(String message) {
            super(message);
        }
    }

    private PresentedCertificate() {
    }

    /** The certificate, or null when the request presents none (that this service believes). */
    public static X509Certificate of(HttpServletRequest request, String header, boolean fromTrustedProxy) throws UnreadableException {
        if (request.getAttribute(TLS_ATTRIBUTE) instanceof X509Certificate[] chain && chain.length > 0) {
            return chain[0];
        }
        String forwarded = request.getHeader(header);
        if (forwarded == null || forwarded.isBlank() || !fromTrustedProxy) {
            return null;
        }
        if (forwarded.length() > MAX_HEADER_LENGTH) {
            throw new UnreadableException("The forwarded certificate is too long.");
        }
        try {
            byte[] pem = URLDecoder.decode(forwarded, StandardCharsets.US_ASCII).getBytes(StandardCharsets.US_ASCII);
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new UnreadableException("The forwarded certificate cannot be read.");
        }
    }
}
