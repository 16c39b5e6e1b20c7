-- Devices unlinked (by their owner, an admin, or with their user's deactivation), owed to
-- verkehr's service topic svc/devices ("unlinked <did>") so that xmpp-bridge ends their XMPP
-- sessions. Written in the unlink's transaction, published after it commits by a retrying
-- worker (dev.aero.sp.outbox); a row is deleted once verkehr has taken it.

CREATE TABLE device_outbox (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    did             CHAR(32)     CHARACTER SET ascii NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    attempts        INT          NOT NULL,
    next_attempt_at DATETIME(6)  NOT NULL,
    last_error      VARCHAR(255) NULL,
    PRIMARY KEY (id),
    KEY device_outbox_due (next_attempt_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
