package dev.aero.sp.ca;

import java.security.cert.CRLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Revokes device certificates and keeps the signed CRL current. A revocation is written in the
 * caller's transaction; the CRL is re-signed right after that commits, in a transaction of its
 * own that first locks the CRL row, so every CRL includes every revocation committed before
 * it, whichever SP node signs it. A CRL missing a revocation (a node died between commit and
 * signing) or half way to its nextUpdate is re-signed on the next read.
 */
@Service
public class RevocationList {

    private final CertificateAuthority ca;
    private final CaProperties properties;
    private final DeviceCertificateRecords certificates;
    private final RevocationListRecords lists;
    private final TransactionTemplate signing;
    private final TransactionTemplate reading;
    private final Clock clock;
    private final Counter signed;

    RevocationList(CertificateAuthority ca, CaProperties properties, DeviceCertificateRecords certificates,
            RevocationListRecords lists, PlatformTransactionManager transactions, Clock clock, MeterRegistry meters) {
        this.ca = ca;
        this.properties = properties;
        this.certificates = certificates;
        this.lists = lists;
        this.clock = clock;
        this.signing = new TransactionTemplate(transactions);
        signing.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        signing.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.reading = new TransactionTemplate(transactions);
        reading.setReadOnly(true);
        this.signed = Counter.builder("aero.sp.crl.signed").description("CRLs signed").register(meters);
    }

    /**
     * Revokes every unrevoked certificate of the device, in the current transaction, and re-signs
     * the CRL after it commits. Returns the serials revoked now.
     */
    public List<Long> revokeDevice(String deviceId) {
        requireTransaction();
        Instant now = clock.instant();
        List<DeviceCertificateRecord> active = certificates.findByDeviceIdAndRevokedAtIsNull(deviceId);
        active.forEach(c -> c.revoke(now));
        if (!active.isEmpty()) {
            resignAfterCommit();
        }
        return active.stream().map(DeviceCertificateRecord::serial).toList();
    }

    /** Revokes one certificate (e.g. the one replaced by recertification), in the current transaction. */
    public void revokeSerial(long serial) {
        requireTransaction();
        certificates.findById(serial).filter(c -> !c.revoked()).ifPresent(c -> {
            c.revoke(clock.instant());
            resignAfterCommit();
        });
    }

    /** The current CRL, DER-encoded; re-signed first when stale. */
    public byte[] currentDer() {
        RevocationListRecord current = reading.execute(s -> lists.findById(RevocationListRecord.ID).orElseThrow());
        if (stale(current)) {
            return resign();
        }
        return current.der();
    }

    /** Signs a new CRL now and returns it. */
    public byte[] resign() {
        byte[] der = signing.execute(s -> {
            RevocationListRecord record = lists.lockCurrent();
            Instant now = clock.instant();
            Map<Long, Instant> revoked = new LinkedHashMap<>();
            for (DeviceCertificateRecord c : certificates.revokedAndUnexpired(now)) {
                revoked.put(c.serial(), c.revokedAt());
            }
            long number = record.crlNumber() + 1;
            Instant next = now.plus(properties.crlValidity());
            try {
                byte[] encoded = ca.signCrl(revoked, number, now, next).getEncoded();
                record.replace(number, encoded, now, next);
                return encoded;
            } catch (CRLException e) {
                throw new IllegalStateException("Cannot encode the CRL", e);
            }
        });
        signed.increment();
        return der;
    }

    private boolean stale(RevocationListRecord current) {
        if (current.der() == null) {
            return true;
        }
        Instant now = clock.instant();
        if (now.isAfter(current.nextUpdate().minus(properties.crlValidity().dividedBy(2)))) {
            return true;
        }
        Instant latest = reading.execute(s -> certificates.latestRevocation());
        return latest != null && latest.isAfter(current.thisUpdate());
    }

    /** Once per transaction, however many certificates it revokes. */
    private void resignAfterCommit() {
        if (TransactionSynchronizationManager.hasResource(this)) {
            return;
        }
        TransactionSynchronizationManager.bindResource(this, Boolean.TRUE);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                resign();
            }

            @Override
            public void afterCompletion(int status) {
                TransactionSynchronizationManager.unbindResourceIfPossible(RevocationList.this);
            }
        });
    }

    private static void requireTransaction() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            throw new IllegalStateException("revocation must run inside a transaction");
        }
    }
}
