-- A folder's member-list version: it moves with every change to the folder's JOINED members or
-- their roles (every change that moves their ACL epochs), so SP can keep each folder's part of
-- GET /acl answers and rebuild only the folders that changed.
ALTER TABLE shared_folders ADD COLUMN acl_version BIGINT NOT NULL DEFAULT 0;
