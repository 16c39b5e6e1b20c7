package dev.aero.sp.devicelogs;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import dev.aero.common.id.DID;
import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;
import dev.aero.common.web.ApiProblemException;

/**
 * The logs requests admins sent devices ({@code device_log_requests}): what a device's upload
 * is checked against. A defect id is used once per device.
 */
@Component
public class LogsRequests {

    /**
     * A defect id: 1-64 of {@code A-Z a-z 0-9 . _ -}, starting with a letter or digit (so that it
     * is a plain path segment, never {@code .} or {@code ..}).
     */
    public static final String DEFECT_ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    /** One request: the device's owner's organization, who asked, when, and until when it may be answered. */
    record LogsRequest(DID device, String defectId, OrgID organization, UserID requestedBy, Instant requestedAt, Instant expiresAt) {
    }

    private final JdbcTemplate jdbc;

    LogsRequests(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Remembers a request, in the caller's transaction; 409 {@code logs-request-exists} if the device has one under that defect id. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(DID device, String defectId, OrgID organization, UserID requestedBy, Instant requestedAt, Instant expiresAt) {
        try {
            jdbc.update("INSERT INTO device_log_requests (device_id, defect_id, organization_id, requested_by, requested_at, expires_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", device.hex(), defectId, organization.value(), requestedBy.value(),
                    Timestamp.from(requestedAt), Timestamp.from(expiresAt));
        } catch (DuplicateKeyException e) {
            throw new ApiProblemException(HttpStatus.CONFLICT, "logs-request-exists",
                    "Logs were requested of device " + device + " under defect id " + defectId + " already; use another defect id.");
        }
    }

    Optional<LogsRequest> find(DID device, String defectId) {
        return jdbc.query("SELECT * FROM device_log_requests WHERE device_id = ? AND defect_id = ?",
                (rs, i) -> new LogsRequest(DID.of(rs.getString("device_id")), rs.getString("defect_id"),
                        new OrgID(rs.getInt("organization_id")), UserID.of(rs.getString("requested_by")),
                        rs.getTimestamp("requested_at").toInstant(), rs.getTimestamp("expires_at").toInstant()),
                device.hex(), defectId).stream().findFirst();
    }

    /** Deletes requests that expired before {@code now} without an upload; how many. */
    int deleteExpiredUnanswered(Instant now) {
        return jdbc.update("DELETE FROM device_log_requests WHERE expires_at <= ? AND NOT EXISTS (SELECT 1 FROM device_log_uploads u"
                + " WHERE u.device_id = device_log_requests.device_id AND u.defect_id = device_log_requests.defect_id)",
                Timestamp.from(now));
    }
}
