-- Shared folders (stores), their members and each user's ACL epoch (docs/sp-service.md, Sharing).

CREATE TABLE shared_folders (
    sid             CHAR(32)     CHARACTER SET ascii NOT NULL,
    organization_id INT          NOT NULL,
    name            VARCHAR(255) NOT NULL,
    created_by      VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    -- A destroyed folder keeps its row, so that its SID is never handed out again.
    destroyed_at    DATETIME(6)  NULL,
    PRIMARY KEY (sid),
    KEY shared_folders_organization (organization_id, sid)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE shared_folder_members (
    sid         CHAR(32)     CHARACTER SET ascii NOT NULL,
    user_id     VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    -- Permission bits: 1 = WRITE, 2 = MANAGE (VIEWER 0, EDITOR 1, OWNER 3).
    permissions TINYINT      NOT NULL,
    state       VARCHAR(8)   CHARACTER SET ascii NOT NULL,
    invited_by  VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NULL,
    updated_at  DATETIME(6)  NOT NULL,
    PRIMARY KEY (sid, user_id),
    KEY shared_folder_members_user (user_id, sid),
    CONSTRAINT shared_folder_members_folder FOREIGN KEY (sid) REFERENCES shared_folders (sid)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- A user without a row has epoch 1.
CREATE TABLE acl_epochs (
    user_id VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    epoch   BIGINT       NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
