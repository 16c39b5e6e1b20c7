package dev.aero.common.web;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;

import org.springframework.http.HttpStatus;

import jakarta.servlet.http.HttpServletRequest;

import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.auth.InvalidCertificateIdentityException;
import dev.aero.common.web.apidoc.DocumentedProblem;

/**
 * The checks a service makes of the device certificate a request presents, whatever its TLS
 * layer did: that there is one (from the service's own TLS listener, or forwarded by a trusted
 * front proxy), that it is within its validity, and that it names a device and user. Each check
 * that fails throws a 401 problem whose slug names the cause ({@code certificate-required},
 * {@code certificate-untrusted}, {@code certificate-expired}, {@code certificate-not-yet-valid},
 * {@code certificate-revoked}), and tells the service's refusal counter that cause first. What
 * else a service demands (the issuer, the CRL, its own records) it checks itself, refusing
 * through {@link #refuse}.
 */
public final class DeviceCertificateChecks {

    /** The refusals these checks make, for API documents; a service adds those of its own checks. */
    public static final List<DocumentedProblem> REFUSALS = List.of(
            new DocumentedProblem(401, "certificate-required", "no client certificate was presented"),
            new DocumentedProblem(401, "certificate-untrusted",
                    "the certificate is unreadable, not the platform CA's, or does not name a device and user"),
            new DocumentedProblem(401, "certificate-expired", "the certificate has expired"),
            new DocumentedProblem(401, "certificate-not-yet-valid", "the certificate is not valid yet"));

    private final String header;
    private final Consumer<String> refused;

    /**
     * @param header the header a trusted proxy forwards the certificate in
     * @param refused called with the cause of every refusal, e.g. to count it
     */
    public DeviceCertificateChecks(String header, Consumer<String> refused) {
        this.header = header;
        this.refused = refused;
    }

    /** The certificate the request presents; {@code howToPresent} is the detail of the 401 when it presents none. */
    public X509Certificate presented(HttpServletRequest request, boolean fromTrustedProxy, String howToPresent) {
        X509Certificate certificate;
        try {
            certificate = PresentedCertificate.of(request, header, fromTrustedProxy);
        } catch (PresentedCertificate.UnreadableException e) {
            throw refuse("certificate-untrusted", e.getMessage());
        }
        if (certificate == null) {
            throw refuse("certificate-required", howToPresent);
        }
        return certificate;
    }

    /** Refuses a certificate outside its validity at {@code now}; {@code whenExpired} is the detail for an expired one. */
    public void withinValidity(X509Certificate certificate, Instant now, String whenExpired) {
        try {
            certificate.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw refuse("certificate-expired", whenExpired);
        } catch (CertificateNotYetValidException e) {
            throw refuse("certificate-not-yet-valid", "The certificate is not valid yet.");
        }
    }

    /** The device and user the certificate names, or a refusal if it names none in canonical form. */
    public CertificateIdentity identity(X509Certificate certificate) {
        try {
            return CertificateIdentity.of(certificate);
        } catch (InvalidCertificateIdentityException e) {
            throw refuse("certificate-untrusted", "The certificate does not name a device and user.");
        }
    }

    /** A 401 problem with this cause, counted; for the caller to throw. */
    public ApiProblemException refuse(String slug, String detail) {
        refused.accept(slug);
        return new ApiProblemException(HttpStatus.UNAUTHORIZED, slug, detail);
    }
}
