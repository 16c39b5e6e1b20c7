-- Commands for devices, written in the same transaction as the change that causes them and
-- delivered to command-server by a retrying worker (dev.aero.sp.commands), so that no command
-- is lost while command-server or Redis is briefly down. Rows are delivered in id order per
-- device and deleted once command-server has taken them.

CREATE TABLE command_outbox (
    id              BIGINT        NOT NULL AUTO_INCREMENT,
    device_id       CHAR(32)      CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    command_json    VARCHAR(1024) NOT NULL,
    replace_queue   BOOLEAN       NOT NULL,
    created_at      DATETIME(6)   NOT NULL,
    attempts        INT           NOT NULL,
    next_attempt_at DATETIME(6)   NOT NULL,
    last_error      VARCHAR(255)  NULL,
    PRIMARY KEY (id),
    KEY command_outbox_due (next_attempt_at, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
