package dev.aero.sp.ca;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface DeviceCertificateRecords extends JpaRepository<DeviceCertificateRecord, Long> {

    List<DeviceCertificateRecord> findByDeviceIdAndRevokedAtIsNull(String deviceId);

    Optional<DeviceCertificateRecord> findFirstByDeviceIdAndRevokedAtIsNullOrderByIssuedAtDesc(String deviceId);

    @Query("select c from DeviceCertificateRecord c where c.revokedAt is not null and c.expiresAt > ?1 order by c.serial")
    List<DeviceCertificateRecord> revokedAndUnexpired(Instant now);

    @Query("select max(c.revokedAt) from DeviceCertificateRecord c")
    Instant latestRevocation();
}
