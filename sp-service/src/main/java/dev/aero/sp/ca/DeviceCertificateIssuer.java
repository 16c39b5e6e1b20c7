package dev.aero.sp.ca;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.stereotype.Service;

import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Signs device certificates and records each serial, in the caller's transaction. */
@Service
public class DeviceCertificateIssuer {

    /** Tolerates clients whose clock runs a little behind. */
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final CertificateAuthority ca;
    private final CaProperties properties;
    private final DeviceCertificateRecords records;
    private final Clock clock;
    private final Counter issued;

    DeviceCertificateIssuer(CertificateAuthority ca, CaProperties properties, DeviceCertificateRecords records, Clock clock,
            MeterRegistry meters) {
        this.ca = ca;
        this.properties = properties;
        this.records = records;
        this.clock = clock;
        this.issued = Counter.builder("aero.sp.certificates.issued").description("Device certificates signed").register(meters);
    }

    public IssuedCertificate issue(DeviceCertificationRequest request, UserID owner) {
        Instant now = clock.instant();
        return issue(request, owner, now.minus(BACKDATE), now.plus(properties.deviceCertificateValidity()));
    }

    /** With an explicit validity; the public API always uses {@link #issue(DeviceCertificationRequest, UserID)}. */
    IssuedCertificate issue(DeviceCertificationRequest request, UserID owner, Instant notBefore, Instant notAfter) {
        // 63 random bits: a collision is as likely as a hardware fault; the primary key would refuse it.
        long serial = ca.nextSerial();
        DID device = request.device();
        X509Certificate certificate = ca.issueDeviceCertificate(request.publicKey(), device, owner, serial, notBefore, notAfter);
        records.save(new DeviceCertificateRecord(serial, device.hex(), clock.instant(), notAfter));
        issued.increment();
        return new IssuedCertificate(serial, certificate, Pem.encode(certificate), notAfter);
    }

    /** The newest unrevoked certificate of a device, if any. */
    public Optional<DeviceCertificateRecord> current(DID device) {
        return records.findFirstByDeviceIdAndRevokedAtIsNullOrderByIssuedAtDesc(device.hex());
    }

    public Optional<DeviceCertificateRecord> find(long serial) {
        return records.findById(serial);
    }

    public String caCertificatePem() {
        return ca.certificatePem();
    }

    public record IssuedCertificate(long serial, X509Certificate certificate, String pem, Instant expiresAt) {
    }
}
