package dev.aero.devman.checkin;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;

import org.springframework.http.HttpStatus;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;

import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.auth.InvalidCertificateIdentityException;
import dev.aero.common.tls.RevocationFollower;
import dev.aero.common.web.ApiProblemException;
import dev.aero.common.web.PresentedCertificate;
import dev.aero.common.web.TrustedProxies;

/**
 * Who is checking in: the device certificate from devman's own TLS listener, or forwarded by a
 * trusted front proxy in a header (ignored from anyone else). Whatever the TLS layer did, the
 * certificate is checked here: signed by the platform CA, within its validity, naming a device
 * and user, and not on SP's CRL. Until both the CA and a verified CRL are known, check-ins are
 * refused with 503 (a revoked device must never count as seen).
 */
public final class DeviceCertificates {

    private final RevocationFollower revocations;
    private final TrustedProxies proxies;
    private final String header;
    private final Clock clock;
    private final MeterRegistry meters;
    private volatile X509Certificate ca;

    public DeviceCertificates(RevocationFollower revocations, TrustedProxies proxies, String header, Clock clock, MeterRegistry meters) {
        this.revocations = revocations;
        this.proxies = proxies;
        this.header = header;
        this.clock = clock;
        this.meters = meters;
    }

    /** The platform CA, once the device listener has its key material. */
    public void trust(X509Certificate ca) {
        this.ca = ca;
        revocations.trust(ca);
    }

    public CertificateIdentity authenticate(HttpServletRequest request) {
        X509Certificate certificate = presented(request);
        X509Certificate issuer = ca;
        if (issuer == null || revocations.lastSuccess() == 0) {
            meters.counter("aero.devman.checkins.refused", "cause", "revocation-unknown").increment();
            throw new ApiProblemException(HttpStatus.SERVICE_UNAVAILABLE, "revocation-list-unavailable",
                    "devman has not read the platform CA's revocation list yet; check in again later.");
        }
        try {
            certificate.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw refuse("certificate-untrusted", "The certificate is not issued by this platform's CA.");
        }
        try {
            certificate.checkValidity(Date.from(clock.instant()));
        } catch (CertificateExpiredException e) {
            throw refuse("certificate-expired", "The certificate has expired.");
        } catch (CertificateNotYetValidException e) {
            throw refuse("certificate-not-yet-valid", "The certificate is not valid yet.");
        }
        if (revocations.isRevoked(certificate)) {
            throw refuse("certificate-revoked", "The certificate has been revoked.");
        }
        try {
            return CertificateIdentity.of(certificate);
        } catch (InvalidCertificateIdentityException e) {
            throw refuse("certificate-untrusted", "The certificate does not name a device and user.");
        }
    }

    /** The client's address: the peer, or what a trusted proxy says it forwarded for. */
    public String clientAddress(HttpServletRequest request) {
        return proxies.clientAddress(request.getRemoteAddr(), request.getHeader("X-Forwarded-For"));
    }

    private X509Certificate presented(HttpServletRequest request) {
        X509Certificate certificate;
        try {
            certificate = PresentedCertificate.of(request, header, proxies.trusts(request.getRemoteAddr()));
        } catch (PresentedCertificate.UnreadableException e) {
            throw refuse("certificate-untrusted", e.getMessage());
        }
        if (certificate == null) {
            throw refuse("certificate-required",
                    "Check in over devman's HTTPS device listener with the device certificate (or through a trusted proxy).");
        }
        return certificate;
    }

    private ApiProblemException refuse(String slug, String detail) {
        meters.counter("aero.devman.checkins.refused", "cause", slug).increment();
        return new ApiProblemException(HttpStatus.UNAUTHORIZED, slug, detail);
    }
}
