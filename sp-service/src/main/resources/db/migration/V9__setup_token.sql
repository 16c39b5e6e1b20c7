-- The first-run setup token: whoever signs up the deployment's first user (who creates the
-- organization and becomes its admin) must show it. At most one row; only the token's SHA-256
-- (hex) is kept. The row goes in the transaction that creates the organization.

CREATE TABLE setup_token (
    id         TINYINT     NOT NULL,
    token_hash CHAR(64)    CHARACTER SET ascii NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
