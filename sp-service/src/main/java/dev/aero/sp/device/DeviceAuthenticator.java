package dev.aero.sp.device;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.web.ApiProblemException;
import dev.aero.common.web.DeviceCertificateChecks;
import dev.aero.common.web.apidoc.ApiSecuritySchemes;
import dev.aero.common.web.apidoc.DocumentedProblem;
import dev.aero.common.web.apidoc.OperationAuthentication;
import dev.aero.sp.SpProperties;
import dev.aero.sp.ca.CertificateAuthority;
import dev.aero.sp.ca.DeviceCertificateIssuer;
import dev.aero.sp.ca.DeviceCertificateRecord;
import dev.aero.sp.web.CallerResolver;
import dev.aero.sp.web.RequestIdentities;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Authenticates a device by its certificate: from SP's own TLS listener, or forwarded by a
 * trusted front proxy in a header (ignored from anyone else). Whatever the TLS layer did, the
 * certificate is checked here: signed by the platform CA, within its validity, identity in
 * canonical form, its serial issued to that device and not revoked.
 */
@Component
class DeviceAuthenticator implements CallerResolver<AuthenticatedDevice> {

    private final CertificateAuthority ca;
    private final DeviceCertificateIssuer certificates;
    private final Devices devices;
    private final RequestIdentities identities;
    private final DeviceCertificateChecks checks;
    private final Clock clock;

    DeviceAuthenticator(CertificateAuthority ca, DeviceCertificateIssuer certificates, Devices devices,
            RequestIdentities identities, SpProperties properties, Clock clock, MeterRegistry meters) {
        this.ca = ca;
        this.certificates = certificates;
        this.devices = devices;
        this.identities = identities;
        this.checks = new DeviceCertificateChecks(properties.clientCertificateHeader(),
                cause -> meters.counter("aero.sp.device_auth.refused", "cause", cause).increment());
        this.clock = clock;
    }

    @Override
    public Class<AuthenticatedDevice> type() {
        return AuthenticatedDevice.class;
    }

    @Override
    public OperationAuthentication.Scheme documentation() {
        List<DocumentedProblem> refusals = new ArrayList<>(DeviceCertificateChecks.REFUSALS);
        refusals.add(new DocumentedProblem(401, "certificate-revoked",
                "the certificate is revoked, or its device unlinked or no longer its user's"));
        return new OperationAuthentication.Scheme(ApiSecuritySchemes.DEVICE_CERTIFICATE, refusals);
    }

    @Override
    @Transactional(readOnly = true)
    public AuthenticatedDevice resolve(HttpServletRequest request) {
        X509Certificate certificate = checks.presented(request, identities.fromTrustedProxy(request),
                "This endpoint needs the device's client certificate (SP's HTTPS device listener, or a trusted proxy).");
        if (!ca.signed(certificate)) {
            throw refuse("certificate-untrusted", "The certificate is not issued by this platform's CA.");
        }
        checks.withinValidity(certificate, clock.instant(), "The certificate has expired; register the device again.");
        CertificateIdentity identity = checks.identity(certificate);
        long serial;
        try {
            serial = certificate.getSerialNumber().longValueExact();
        } catch (ArithmeticException e) {
            throw refuse("certificate-untrusted", "Unknown certificate serial.");
        }
        DeviceCertificateRecord record = certificates.find(serial)
                .filter(r -> r.deviceId().equals(identity.device().hex()))
                .orElseThrow(() -> refuse("certificate-untrusted", "Unknown certificate serial."));
        if (record.revoked()) {
            throw refuse("certificate-revoked", "The certificate has been revoked.");
        }
        boolean owned = devices.findById(identity.device().hex())
                .filter(d -> !d.unlinked() && d.owner().equals(identity.user()))
                .isPresent();
        if (!owned) {
            throw refuse("certificate-revoked", "The device is no longer registered to this user.");
        }
        return new AuthenticatedDevice(identity.device(), identity.user(), serial);
    }

    private ApiProblemException refuse(String slug, String detail) {
        return checks.refuse(slug, detail);
    }
}
