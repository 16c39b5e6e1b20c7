package dev.aero.sp.ca;

import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.springframework.stereotype.Service;

import dev.aero.common.audit.AuditEventType;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.web.AuthenticatedService;
import dev.aero.sp.web.ClientAddress;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Signs platform services' certificates (verkehr's TLS listener) and records each in the audit
 * log. They are not stored otherwise: a service renews well before expiry, and the short
 * validity ({@code aero.sp.ca.service-certificate-validity}) takes the place of revocation.
 */
@Service
class ServiceCertificateIssuer {

    /** Tolerates services whose clock runs a little behind. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final CertificateAuthority ca;
    private final CaProperties properties;
    private final AuditLog audit;
    private final Clock clock;
    private final MeterRegistry meters;

    ServiceCertificateIssuer(CertificateAuthority ca, CaProperties properties, AuditLog audit, Clock clock,
            MeterRegistry meters) {
        this.ca = ca;
        this.properties = properties;
        this.audit = audit;
        this.clock = clock;
        this.meters = meters;
    }

    IssuedServiceCertificate issue(AuthenticatedService service, ServiceCertificationRequest request, ClientAddress from) {
        Instant now = clock.instant();
        X509Certificate certificate = ca.issueServiceCertificate(request.publicKey(), service.name(), request.dnsNames(),
                request.ipAddresses(), now.minus(BACKDATE), now.plus(properties.serviceCertificateValidity()));
        Instant notAfter = certificate.getNotAfter().toInstant();
        audit.record(AuditEventType.SERVICE_CERTIFIED, service, service, from, Map.of(
                "serial", certificate.getSerialNumber().toString(),
                "dns_names", request.dnsNames(),
                "ip_addresses", request.ipAddresses().stream().map(InetAddress::getHostAddress).toList(),
                "not_after", notAfter.toString()));
        meters.counter("aero.sp.service_certificates.issued", "service", service.name()).increment();
        return new IssuedServiceCertificate(Pem.encode(certificate), ca.certificatePem(), notAfter);
    }

    record IssuedServiceCertificate(String certificate, String caCertificate, Instant notAfter) {
    }
}
