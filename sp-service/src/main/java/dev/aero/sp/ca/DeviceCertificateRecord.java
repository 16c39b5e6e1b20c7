package dev.aero.sp.ca;

import java.time.Instant;

import dev.aero.sp.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One certificate the CA issued to a device, and whether it is revoked. */
@Entity
@Table(name = "device_certificates")
public class DeviceCertificateRecord extends AssignedIdEntity<Long> {

    @Id
    private long serial;

    @Column(name = "device_id", nullable = false)
    private String deviceId;

    @Column(name = "issued_at", nullable = false)
    private Instant issuedAt;

    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    protected DeviceCertificateRecord() {
    }

    DeviceCertificateRecord(long serial, String deviceId, Instant issuedAt, Instant expiresAt) {
        this.serial = serial;
        this.deviceId = deviceId;
        this.issuedAt = issuedAt;
        this.expiresAt = expiresAt;
    }

    public long serial() {
        return serial;
    }

    public String deviceId() {
        return deviceId;
    }

    public Instant issuedAt() {
        return issuedAt;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    public Instant revokedAt() {
        return revokedAt;
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    void revoke(Instant at) {
        if (revokedAt == null) {
            revokedAt = at;
        }
    }

    @Override
    public Long getId() {
        return serial;
    }
}
