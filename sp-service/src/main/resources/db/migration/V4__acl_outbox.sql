-- New ACL epochs owed to verkehr (topic acl/<hash of the user id>), written in the transaction
-- that moved them and published after it commits by a retrying worker (dev.aero.sp.outbox),
-- in id order per user. A row is deleted once verkehr has taken it.

CREATE TABLE acl_outbox (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    user_id         VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    epoch           BIGINT       NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    attempts        INT          NOT NULL,
    next_attempt_at DATETIME(6)  NOT NULL,
    last_error      VARCHAR(255) NULL,
    PRIMARY KEY (id),
    KEY acl_outbox_due (next_attempt_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
