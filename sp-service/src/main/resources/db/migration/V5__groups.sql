-- Organization groups, and folders shared with a group: every current and later member of the
-- group gets the grant's role, starting PENDING. A member row whose permissions are NULL exists
-- only through group grants.

CREATE TABLE user_groups (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    organization_id INT          NOT NULL,
    name            VARCHAR(255) NOT NULL,
    created_at      DATETIME(6)  NOT NULL,
    PRIMARY KEY (id),
    KEY user_groups_organization (organization_id, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE user_group_members (
    group_id BIGINT       NOT NULL,
    user_id  VARCHAR(254) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (group_id, user_id),
    KEY user_group_members_user (user_id, group_id),
    CONSTRAINT user_group_members_group FOREIGN KEY (group_id) REFERENCES user_groups (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE shared_folder_groups (
    sid         CHAR(32) CHARACTER SET ascii NOT NULL,
    group_id    BIGINT   NOT NULL,
    permissions TINYINT  NOT NULL,
    PRIMARY KEY (sid, group_id),
    KEY shared_folder_groups_group (group_id, sid),
    CONSTRAINT shared_folder_groups_folder FOREIGN KEY (sid) REFERENCES shared_folders (sid),
    CONSTRAINT shared_folder_groups_group FOREIGN KEY (group_id) REFERENCES user_groups (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

ALTER TABLE shared_folder_members MODIFY permissions TINYINT NULL;
