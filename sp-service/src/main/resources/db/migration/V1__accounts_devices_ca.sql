-- Accounts, sessions, organizations, devices, certificates and the audit log.
-- Runs on MySQL 8.4 and MariaDB 10.11. Times are UTC, DATETIME(6). Identifiers that are
-- ASCII by construction (user ids, device ids, hashes) use the ascii charset with binary
-- collation so that comparisons are exact.

CREATE TABLE organizations (
    id          INT          NOT NULL,
    name        VARCHAR(255) NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE users (
    id              VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    organization_id INT          NOT NULL,
    first_name      VARCHAR(100) NOT NULL,
    last_name       VARCHAR(100) NOT NULL,
    password_hash   VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
    role            VARCHAR(16)  CHARACTER SET ascii NOT NULL,
    active          BOOLEAN      NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    deactivated_at  DATETIME(6)  NULL,
    PRIMARY KEY (id),
    KEY users_by_organization (organization_id, id),
    CONSTRAINT users_organization FOREIGN KEY (organization_id) REFERENCES organizations (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE sessions (
    token_hash     CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id        VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at     DATETIME(6)  NOT NULL,
    expires_at     DATETIME(6)  NOT NULL,
    client_address VARCHAR(45)  CHARACTER SET ascii NULL,
    PRIMARY KEY (token_hash),
    KEY sessions_by_user (user_id),
    KEY sessions_by_expiry (expires_at),
    CONSTRAINT sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB;

CREATE TABLE password_resets (
    token_hash  CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id     VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    expires_at  DATETIME(6)  NOT NULL,
    used_at     DATETIME(6)  NULL,
    PRIMARY KEY (token_hash),
    KEY password_resets_by_user (user_id),
    CONSTRAINT password_resets_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB;

CREATE TABLE invitations (
    code_hash       CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    organization_id INT          NOT NULL,
    email           VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    invited_by      VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    expires_at      DATETIME(6)  NOT NULL,
    accepted_at     DATETIME(6)  NULL,
    PRIMARY KEY (code_hash),
    KEY invitations_by_email (email),
    CONSTRAINT invitations_organization FOREIGN KEY (organization_id) REFERENCES organizations (id)
) ENGINE = InnoDB;

CREATE TABLE devices (
    id            CHAR(32)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    owner_id      VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    name          VARCHAR(255) NOT NULL,
    os_family     VARCHAR(64)  NOT NULL,
    os_name       VARCHAR(255) NOT NULL,
    registered_at DATETIME(6)  NOT NULL,
    unlinked_at   DATETIME(6)  NULL,
    PRIMARY KEY (id),
    KEY devices_by_owner (owner_id),
    CONSTRAINT devices_owner FOREIGN KEY (owner_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Every certificate the CA has issued to a device. Serials are random 63-bit positives.
CREATE TABLE device_certificates (
    serial     BIGINT      NOT NULL,
    device_id  CHAR(32)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    issued_at  DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    revoked_at DATETIME(6) NULL,
    PRIMARY KEY (serial),
    KEY device_certificates_by_device (device_id),
    KEY device_certificates_revoked (revoked_at),
    CONSTRAINT device_certificates_device FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE = InnoDB;

-- The current CRL. One row; revocations lock it so that each CRL includes every revocation
-- committed before it, whichever SP node signs it.
CREATE TABLE certificate_revocation_list (
    id          TINYINT     NOT NULL,
    crl_number  BIGINT      NOT NULL,
    der         MEDIUMBLOB  NULL,
    this_update DATETIME(6) NULL,
    next_update DATETIME(6) NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB;
INSERT INTO certificate_revocation_list (id, crl_number) VALUES (1, 0);

-- Security events. The application only ever inserts here.
CREATE TABLE audit_events (
    id             BIGINT       NOT NULL AUTO_INCREMENT,
    type           VARCHAR(40)  CHARACTER SET ascii NOT NULL,
    actor          VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NULL,
    target         VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NULL,
    client_address VARCHAR(45)  CHARACTER SET ascii NULL,
    occurred_at    DATETIME(6)  NOT NULL,
    details        TEXT         NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
