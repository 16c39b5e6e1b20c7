-- Stores whose device lists changed (a membership, a device certified or unlinked, a user
-- deactivated), owed to verkehr's service topic svc/stores for xmpp-bridge. Written in the
-- transaction of the change and published after it commits by a retrying worker
-- (dev.aero.sp.outbox); a row is deleted once verkehr has taken it.

CREATE TABLE store_outbox (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    sid             CHAR(32)     CHARACTER SET ascii NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    attempts        INT          NOT NULL,
    next_attempt_at DATETIME(6)  NOT NULL,
    last_error      VARCHAR(255) NULL,
    PRIMARY KEY (id),
    KEY store_outbox_due (next_attempt_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
