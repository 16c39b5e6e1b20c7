-- Device log collection. An admin's logs request (UPLOAD_LOGS sent to the device) is kept so
-- that the device's upload can be checked against it: one per (device, defect id). The
-- device's upload is stored as a file in aero.sp.device-logs.directory under a name SP chose
-- (storage_key); its row says whose it is and what it holds. The organization is the device
-- owner's, kept here so that admins' lists need no join. Runs on MySQL 8.4 and MariaDB 10.11.

CREATE TABLE device_log_requests (
    device_id       CHAR(32)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    defect_id       VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    organization_id INT          NOT NULL,
    requested_by    VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    requested_at    DATETIME(6)  NOT NULL,
    expires_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (device_id, defect_id),
    KEY device_log_requests_by_expiry (expires_at),
    CONSTRAINT device_log_requests_device FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE = InnoDB;

CREATE TABLE device_log_uploads (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    device_id       CHAR(32)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    defect_id       VARCHAR(64)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    organization_id INT          NOT NULL,
    user_id         VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    size_bytes      BIGINT       NOT NULL,
    sha256          CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    uploaded_at     DATETIME(6)  NOT NULL,
    storage_key     CHAR(35)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY device_log_uploads_one_per_defect (device_id, defect_id),
    UNIQUE KEY device_log_uploads_by_key (storage_key),
    KEY device_log_uploads_by_organization (organization_id, id),
    KEY device_log_uploads_by_time (uploaded_at),
    CONSTRAINT device_log_uploads_request FOREIGN KEY (device_id, defect_id)
        REFERENCES device_log_requests (device_id, defect_id)
) ENGINE = InnoDB;
