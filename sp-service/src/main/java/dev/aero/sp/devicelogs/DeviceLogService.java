package dev.aero.sp.devicelogs;

import java.io.InputStream;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.aero.common.audit.AuditEventType;
import dev.aero.common.id.DID;
import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;
import dev.aero.sp.SpProperties;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.audit.AuditLog;
import dev.aero.sp.device.AuthenticatedDevice;
import dev.aero.sp.web.ClientAddress;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Devices' answers to UPLOAD_LOGS, and their administration. A device uploads once per logs
 * request, before it expires; the body is streamed to disk with no database connection held,
 * then recorded. Admins of the device owner's organization list, download and delete uploads;
 * to anyone else they do not exist. The retention sweep deletes uploads older than
 * {@code aero.sp.device-logs.retention} and requests that expired unanswered.
 */
@Service
public class DeviceLogService {

    /** A stored upload: whose, of what defect, how big, its SHA-256 (hex), and the file's storage key. */
    public record LogUpload(long id, DID device, String deviceName, OrgID organization, UserID user, String defectId, long size,
            String sha256, Instant uploadedAt, String storageKey) {
    }

    /** A stored upload to send: its record and its file. */
    public record Download(LogUpload upload, Path file) {
    }

    /** What one retention sweep deleted. */
    public record Swept(int uploads, int requests, int strays) {
    }

    private static final Logger log = LoggerFactory.getLogger(DeviceLogService.class);
    private static final String SELECT = "SELECT u.*, d.name AS device_name FROM device_log_uploads u JOIN devices d ON d.id = u.device_id";
    /** How old a stray file must be before the sweep deletes it: older than any upload still being written. */
    private static final Duration STRAY_AGE = Duration.ofDays(1);
    private static final int SWEEP_BATCH = 500;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final LogsRequests requests;
    private final DeviceLogStore store;
    private final AuditLog audit;
    private final Clock clock;
    private final SpProperties.DeviceLogs settings;
    private final MeterRegistry meters;

    DeviceLogService(JdbcTemplate jdbc, TransactionTemplate transactions, LogsRequests requests, DeviceLogStore store, AuditLog audit,
            Clock clock, SpProperties properties, MeterRegistry meters) {
        this.meters = meters;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.requests = requests;
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.settings = properties.deviceLogs();
    }

    /**
     * A device uploads its logs for a request of its own. Refused before reading when the request
     * is not there, expired or answered, or a declared length ({@code declaredLength}, -1 when
     * none) is over the limit or the quota left; while reading, as soon as the body passes either,
     * or is not a whole gzip stream.
     */
    public LogUpload upload(AuthenticatedDevice caller, DID did, String defectId, long declaredLength, InputStream body,
            ClientAddress from) {
        try {
            LogUpload upload = store(caller, did, defectId, declaredLength, body, from);
            meters.counter("aero.sp.device_logs.uploads").increment();
            meters.counter("aero.sp.device_logs.uploaded_bytes").increment(upload.size());
            return upload;
        } catch (ApiProblemException e) {
            String type = String.valueOf(e.getBody().getType());
            meters.counter("aero.sp.device_logs.refused", "cause", type.substring(type.lastIndexOf(':') + 1)).increment();
            throw e;
        }
    }

    private LogUpload store(AuthenticatedDevice caller, DID did, String defectId, long declaredLength, InputStream body,
            ClientAddress from) {
        if (!caller.device().equals(did)) {
            throw DeviceLogProblems.deviceMismatch(caller.device());
        }
        LogsRequests.LogsRequest request = requests.find(did, defectId)
                .orElseThrow(() -> DeviceLogProblems.notRequested(did, defectId));
        if (!clock.instant().isBefore(request.expiresAt())) {
            throw DeviceLogProblems.requestExpired(defectId);
        }
        if (find(did, defectId) != null) {
            throw DeviceLogProblems.alreadyUploaded(defectId);
        }
        long maxBytes = settings.maxUploadSize().toBytes();
        if (declaredLength > maxBytes) {
            throw DeviceLogProblems.tooLarge(maxBytes);
        }
        // Uploads running at the same time each see the room left before any of them: together
        // they can pass the quota by at most what they are being sent at that moment.
        long room = Math.max(0, settings.quota().toBytes() - storedBytes());
        if (declaredLength > room) {
            throw DeviceLogProblems.quotaExceeded();
        }
        DeviceLogStore.Received received = store.receive(body, maxBytes, room);
        String key = store.newKey();
        try {
            return transactions.execute(status -> {
                LogUpload upload = insert(request, caller.user(), received, key);
                store.keep(received, key);
                audit.record(AuditEventType.DEVICE_LOGS_UPLOADED, caller.user(), did, from,
                        Map.of("defect_id", defectId, "size", received.size(), "sha256", received.sha256()));
                return upload;
            });
        } catch (RuntimeException e) {
            // Not recorded: neither the partial file nor (when only the commit failed) the moved one stays.
            store.discard(received);
            store.deleteQuietly(store.file(key));
            throw e;
        }
    }

    private LogUpload insert(LogsRequests.LogsRequest request, UserID user, DeviceLogStore.Received received, String key) {
        Instant now = clock.instant();
        try {
            jdbc.update("INSERT INTO device_log_uploads (device_id, defect_id, organization_id, user_id, size_bytes, sha256, uploaded_at,"
                    + " storage_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", request.device().hex(), request.defectId(),
                    request.organization().value(), user.value(), received.size(), received.sha256(), Timestamp.from(now), key);
        } catch (DuplicateKeyException e) {
            throw DeviceLogProblems.alreadyUploaded(request.defectId());
        }
        return find(request.device(), request.defectId());
    }

    /** Admins: the organization's uploads (of one device when {@code device} is not null), newest first, ids below {@code before}. */
    public List<LogUpload> uploads(AuthenticatedUser caller, DID device, Long before, int limit) {
        caller.requireAdmin();
        return jdbc.query(SELECT + " WHERE u.organization_id = ? AND (? IS NULL OR u.device_id = ?) AND (? IS NULL OR u.id < ?)"
                + " ORDER BY u.id DESC LIMIT ?", DeviceLogService::upload, caller.organization().value(),
                device == null ? null : device.hex(), device == null ? null : device.hex(), before, before, limit);
    }

    /** Admins: an upload to send; the download is audited. */
    public Download download(AuthenticatedUser caller, DID device, String defectId, ClientAddress from) {
        LogUpload upload = visible(caller, device, defectId);
        audit.record(AuditEventType.DEVICE_LOGS_DOWNLOADED, caller.id(), device, from,
                Map.of("defect_id", defectId, "size", upload.size(), "sha256", upload.sha256()));
        return new Download(upload, store.file(upload.storageKey()));
    }

    /** Admins: deletes an upload, its row now and its file once that has committed. The request stays until it expires. */
    public void delete(AuthenticatedUser caller, DID device, String defectId, ClientAddress from) {
        transactions.executeWithoutResult(status -> {
            LogUpload upload = visible(caller, device, defectId);
            remove(upload);
            audit.record(AuditEventType.DEVICE_LOGS_DELETED, caller.id(), device, from,
                    Map.of("defect_id", defectId, "sha256", upload.sha256(), "reason", "admin"));
        });
    }

    /**
     * Deletes uploads older than the retention, requests that expired unanswered, and files a
     * crash left behind; run by {@link DeviceLogRetention}.
     */
    public Swept sweep() {
        Instant now = clock.instant();
        Instant cutoff = now.minus(settings.retention());
        int uploads = 0;
        List<LogUpload> old;
        do {
            old = jdbc.query(SELECT + " WHERE u.uploaded_at < ? ORDER BY u.id LIMIT ?", DeviceLogService::upload,
                    Timestamp.from(cutoff), SWEEP_BATCH);
            for (LogUpload upload : old) {
                transactions.executeWithoutResult(status -> {
                    remove(upload);
                    audit.record(AuditEventType.DEVICE_LOGS_DELETED, null, upload.device(), null,
                            Map.of("defect_id", upload.defectId(), "sha256", upload.sha256(), "reason", "retention"));
                });
                uploads++;
            }
        } while (old.size() == SWEEP_BATCH);
        meters.counter("aero.sp.device_logs.expired").increment(uploads);
        int expired = transactions.execute(status -> requests.deleteExpiredUnanswered(now));
        Set<String> keys = new HashSet<>(jdbc.queryForList("SELECT storage_key FROM device_log_uploads", String.class));
        int strays = 0;
        for (Path stray : store.strays(now.minus(STRAY_AGE), keys::contains)) {
            if (store.deleteQuietly(stray)) {
                strays++;
            }
        }
        return new Swept(uploads, expired, strays);
    }

    /** Deletes the row in the current transaction, and the file after it commits. */
    private void remove(LogUpload upload) {
        jdbc.update("DELETE FROM device_log_uploads WHERE id = ?", upload.id());
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                if (!store.delete(upload.storageKey())) {
                    log.warn("The file of device log upload {} stays behind; the retention sweep deletes it later", upload.id());
                }
            }
        });
    }

    private LogUpload visible(AuthenticatedUser caller, DID device, String defectId) {
        caller.requireAdmin();
        LogUpload upload = find(device, defectId);
        if (upload == null || !upload.organization().equals(caller.organization())) {
            throw DeviceLogProblems.uploadNotFound(device, defectId);
        }
        return upload;
    }

    private LogUpload find(DID device, String defectId) {
        return jdbc.query(SELECT + " WHERE u.device_id = ? AND u.defect_id = ?", DeviceLogService::upload, device.hex(), defectId)
                .stream().findFirst().orElse(null);
    }

    private long storedBytes() {
        Long total = jdbc.queryForObject("SELECT COALESCE(SUM(size_bytes), 0) FROM device_log_uploads", Long.class);
        return total == null ? 0 : total;
    }

    private static LogUpload upload(ResultSet rs, int row) throws SQLException {
        return new LogUpload(rs.getLong("id"), DID.of(rs.getString("device_id")), rs.getString("device_name"),
                new OrgID(rs.getInt("organization_id")), UserID.of(rs.getString("user_id")), rs.getString("defect_id"), rs.getLong("size_bytes"), rs.getString("sha256"),
                rs.getTimestamp("uploaded_at").toInstant(), rs.getString("storage_key"));
    }
}
