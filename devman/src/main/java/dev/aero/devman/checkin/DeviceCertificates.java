package dev.aero.devman.checkin;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;

import org.springframework.http.HttpStatus;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;

import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.tls.RevocationFollower;
import dev.aero.common.web.ApiProblemException;
import dev.aero.common.web.DeviceCertificateChecks;
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
    private final DeviceCertificateChecks checks;
    private final Clock clock;
    private final MeterRegistry meters;
    private volatile X509Certificate ca;

    public DeviceCertificates(RevocationFollower revocations, TrustedProxies proxies, String header, Clock clock, MeterRegistry meters) {
        this.revocations = revocations;
        this.proxies = proxies;
        this.checks = new DeviceCertificateChecks(header, this::refused);
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * The platform CA, once devman has it (with its device listener's key material, or on its
     * own without one), and at once a first read of its CRL, so that check-ins are answered from
     * then on rather than after the next poll. Throws when that CRL cannot be read yet, for the
     * caller to retry; the CA stays trusted and the poller keeps trying meanwhile.
     */
    public void trust(X509Certificate ca) {
        this.ca = ca;
        revocations.trust(ca);
        revocations.refresh(revoked -> { });
        if (revocations.lastSuccess() == 0) {
            throw new IllegalStateException("the revocation list at " + revocations.source() + " cannot be read yet");
        }
    }

    public CertificateIdentity authenticate(HttpServletRequest request) {
        X509Certificate certificate = checks.presented(request, proxies.trusts(request.getRemoteAddr()),
                "Check in over devman's HTTPS device listener with the device certificate (or through a trusted proxy).");
        X509Certificate issuer = ca;
        if (issuer == null || revocations.lastSuccess() == 0) {
            refused("revocation-unknown");
            throw new ApiProblemException(HttpStatus.SERVICE_UNAVAILABLE, "revocation-list-unavailable",
                    "devman has not read the platform CA's revocation list yet; check in again later.");
        }
        try {
            certificate.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw checks.refuse("certificate-untrusted", "The certificate is not issued by this platform's CA.");
        }
        checks.withinValidity(certificate, clock.instant(), "The certificate has expired.");
        if (revocations.isRevoked(certificate)) {
            throw checks.refuse("certificate-revoked", "The certificate has been revoked.");
        }
        return checks.identity(certificate);
    }

    /** The client's address: the peer, or what a trusted proxy says it forwarded for. */
    public String clientAddress(HttpServletRequest request) {
        return proxies.clientAddress(request.getRemoteAddr(), request.getHeader("X-Forwarded-For"));
    }

    private void refused(String cause) {
        meters.counter("aero.devman.checkins.refused", "cause", cause).increment();
    }
}
