package dev.aero.sp.sharing;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import dev.aero.common.id.OrgID;
import dev.aero.common.id.SID;
import dev.aero.common.id.UserID;

/** The tables {@code shared_folders} and {@code shared_folder_members}. */
@Component
class SharedFolders {

    record Folder(SID sid, OrgID organization, String name, Instant createdAt, boolean destroyed) { }

    record Member(UserID user, FolderRole role, MemberState state) { }

    /** A folder as one member sees it. */
    record Membership(SID sid, String name, FolderRole role, MemberState state) { }

    /** A store as a {@code GET /acl} lists it: the reader's role, and the folder's member-list version. */
    record AclFolder(SID sid, String name, FolderRole role, long version) { }

    /**
     * A member's effective permission bits: the highest of its direct role (NULL when it is a
     * member only through groups) and the roles of the groups it belongs to that the folder is
     * shared with; -1 when it has neither.
     */
    private static final String EFFECTIVE = "GREATEST(COALESCE(m.permissions, -1), COALESCE((SELECT MAX(g.permissions)"
            + " FROM shared_folder_groups g JOIN user_group_members gm ON gm.group_id = g.group_id"
            + " WHERE g.sid = m.sid AND gm.user_id = m.user_id), -1))";

    /**
     * For queries over one user's folders ({@code m.user_id}; the user id is this join's
     * parameter): per folder, the highest permissions the user's groups hold, joined as
     * {@code gg}. One grouped read for the user instead of a subquery per folder row.
     */
    private static final String USER_GROUP_GRANTS = " LEFT JOIN (SELECT g.sid, MAX(g.permissions) AS permissions FROM shared_folder_groups g"
            + " JOIN user_group_members gm ON gm.group_id = g.group_id WHERE gm.user_id = ? GROUP BY g.sid) gg ON gg.sid = m.sid";
    private static final String EFFECTIVE_OF_USER = "GREATEST(COALESCE(m.permissions, -1), COALESCE(gg.permissions, -1))";

    private final JdbcTemplate jdbc;

    SharedFolders(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    private static FolderRole effective(int bits) {
        return bits < 0 ? FolderRole.VIEWER : FolderRole.ofBits(bits);
    }

    /** The folder, its row locked until the transaction ends: every change to one folder runs one at a time. */
    Optional<Folder> lock(SID sid) {
        return folder("SELECT sid, organization_id, name, created_at, destroyed_at FROM shared_folders WHERE sid = ? FOR UPDATE", sid);
    }

    Optional<Folder> find(SID sid) {
        return folder("SELECT sid, organization_id, name, created_at, destroyed_at FROM shared_folders WHERE sid = ?", sid);
    }

    private Optional<Folder> folder(String sql, SID sid) {
        return jdbc.query(sql, (rs, i) -> new Folder(SID.of(rs.getString(1)), new OrgID(rs.getInt(2)), rs.getString(3),
                rs.getTimestamp(4).toInstant(), rs.getTimestamp(5) != null), sid.hex()).stream().findFirst();
    }

    void create(SID sid, OrgID organization, String name, UserID creator, Instant now) {
        jdbc.update("INSERT INTO shared_folders (sid, organization_id, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                sid.hex(), organization.value(), name, creator.value(), Timestamp.from(now));
    }

    void rename(SID sid, String name) {
        jdbc.update("UPDATE shared_folders SET name = ? WHERE sid = ?", name, sid.hex());
    }

    /** Marks the folder destroyed and removes every member and group grant. */
    void destroy(SID sid, Instant now) {
        jdbc.update("DELETE FROM shared_folder_members WHERE sid = ?", sid.hex());
        jdbc.update("DELETE FROM shared_folder_groups WHERE sid = ?", sid.hex());
        jdbc.update("UPDATE shared_folders SET destroyed_at = ? WHERE sid = ?", Timestamp.from(now), sid.hex());
    }

    List<Member> members(SID sid) {
        return jdbc.query("SELECT m.user_id, " + EFFECTIVE + ", m.state FROM shared_folder_members m WHERE m.sid = ? ORDER BY m.user_id",
                (rs, i) -> new Member(UserID.of(rs.getString(1)), effective(rs.getInt(2)), MemberState.valueOf(rs.getString(3))),
                sid.hex());
    }

    /**
     * The JOINED members (effective roles) of each of {@code folders}, in one query: what
     * {@code GET /acl} lists for every store. Folders without a JOINED member are absent.
     */
    Map<SID, List<Member>> joinedMembers(List<SID> folders) {
        Map<SID, List<Member>> out = new HashMap<>();
        for (int from = 0; from < folders.size(); from += 500) {
            List<SID> chunk = folders.subList(from, Math.min(folders.size(), from + 500));
            String marks = String.join(",", java.util.Collections.nCopies(chunk.size(), "?"));
            Object[] sids = chunk.stream().map(SID::hex).toArray();
            // Group grants apart (most folders have none), instead of a subquery per member row.
            Map<String, Integer> viaGroups = new HashMap<>();
            jdbc.query("SELECT g.sid, gm.user_id, MAX(g.permissions) FROM shared_folder_groups g JOIN user_group_members gm"
                    + " ON gm.group_id = g.group_id WHERE g.sid IN (" + marks + ") GROUP BY g.sid, gm.user_id",
                    rs -> {
                        viaGroups.put(rs.getString(1) + "/" + rs.getString(2), rs.getInt(3));
                    }, sids);
            jdbc.query("SELECT m.sid, m.user_id, COALESCE(m.permissions, -1) FROM shared_folder_members m WHERE m.state = 'JOINED'"
                    + " AND m.sid IN (" + marks + ") ORDER BY m.sid, m.user_id", rs -> {
                        String sid = rs.getString(1);
                        String user = rs.getString(2);
                        int bits = Math.max(rs.getInt(3), viaGroups.getOrDefault(sid + "/" + user, -1));
                        out.computeIfAbsent(SID.of(sid), k -> new ArrayList<>()).add(new Member(UserID.of(user), effective(bits), MemberState.JOINED));
                    }, sids);
        }
        return out;
    }

    Optional<Member> member(SID sid, UserID user) {
        return jdbc.query("SELECT m.user_id, " + EFFECTIVE + ", m.state FROM shared_folder_members m WHERE m.sid = ? AND m.user_id = ?",
                (rs, i) -> new Member(UserID.of(rs.getString(1)), effective(rs.getInt(2)), MemberState.valueOf(rs.getString(3))),
                sid.hex(), user.value()).stream().findFirst();
    }

    /** Whether the member has a direct role, or joined only through groups. */
    boolean hasDirectRole(SID sid, UserID user) {
        return !jdbc.queryForList("SELECT permissions FROM shared_folder_members WHERE sid = ? AND user_id = ? AND permissions IS NOT NULL",
                Integer.class, sid.hex(), user.value()).isEmpty();
    }

    /** Whether a group the user belongs to is granted on the folder. */
    boolean hasGroupGrant(SID sid, UserID user) {
        return !jdbc.queryForList("SELECT g.group_id FROM shared_folder_groups g JOIN user_group_members gm ON gm.group_id = g.group_id"
                + " WHERE g.sid = ? AND gm.user_id = ?", Long.class, sid.hex(), user.value()).isEmpty();
    }

    /** Adds a member that comes only through a group grant: PENDING, no direct role. */
    void addThroughGroup(SID sid, UserID user, Instant now) {
        jdbc.update("INSERT INTO shared_folder_members (sid, user_id, permissions, state, invited_by, updated_at) VALUES (?, ?, NULL, ?, NULL, ?)",
                sid.hex(), user.value(), MemberState.PENDING.name(), Timestamp.from(now));
    }

    // ---- group grants ----

    record GroupGrant(long groupId, String name, FolderRole role) { }

    List<GroupGrant> groupGrants(SID sid) {
        return jdbc.query("SELECT g.group_id, ug.name, g.permissions FROM shared_folder_groups g JOIN user_groups ug ON ug.id = g.group_id"
                + " WHERE g.sid = ? ORDER BY g.group_id", (rs, i) -> new GroupGrant(rs.getLong(1), rs.getString(2),
                        FolderRole.ofBits(rs.getInt(3))), sid.hex());
    }

    /** user → the groups through which the folder is granted to it. */
    Map<UserID, List<Long>> grantingGroups(SID sid) {
        Map<UserID, List<Long>> out = new java.util.TreeMap<>(java.util.Comparator.comparing(UserID::value));
        jdbc.query("SELECT gm.user_id, g.group_id FROM shared_folder_groups g JOIN user_group_members gm ON gm.group_id = g.group_id"
                + " WHERE g.sid = ? ORDER BY g.group_id", rs -> {
                    out.computeIfAbsent(UserID.of(rs.getString(1)), u -> new java.util.ArrayList<>()).add(rs.getLong(2));
                }, sid.hex());
        return out;
    }

    void grant(SID sid, long groupId, FolderRole role) {
        jdbc.update("INSERT INTO shared_folder_groups (sid, group_id, permissions) VALUES (?, ?, ?)"
                + " ON DUPLICATE KEY UPDATE permissions = VALUES(permissions)", sid.hex(), groupId, role.bits());
    }

    boolean revoke(SID sid, long groupId) {
        return jdbc.update("DELETE FROM shared_folder_groups WHERE sid = ? AND group_id = ?", sid.hex(), groupId) > 0;
    }

    /** The live folders a group is granted on. */
    List<SID> foldersOfGroup(long groupId) {
        return jdbc.queryForList("SELECT g.sid FROM shared_folder_groups g JOIN shared_folders f ON f.sid = g.sid"
                + " WHERE g.group_id = ? AND f.destroyed_at IS NULL ORDER BY g.sid", String.class, groupId).stream().map(SID::of).toList();
    }

    /** Inserts or replaces the member's row. */
    void put(SID sid, UserID user, FolderRole role, MemberState state, UserID by, Instant now) {
        jdbc.update("INSERT INTO shared_folder_members (sid, user_id, permissions, state, invited_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON DUPLICATE KEY UPDATE permissions = VALUES(permissions), state = VALUES(state), invited_by = VALUES(invited_by),"
                + " updated_at = VALUES(updated_at)",
                sid.hex(), user.value(), role.bits(), state.name(), by == null ? null : by.value(), Timestamp.from(now));
    }

    void setState(SID sid, UserID user, MemberState state, Instant now) {
        jdbc.update("UPDATE shared_folder_members SET state = ?, updated_at = ? WHERE sid = ? AND user_id = ?",
                state.name(), Timestamp.from(now), sid.hex(), user.value());
    }

    void setRole(SID sid, UserID user, FolderRole role, Instant now) {
        jdbc.update("UPDATE shared_folder_members SET permissions = ?, updated_at = ? WHERE sid = ? AND user_id = ?",
                role.bits(), Timestamp.from(now), sid.hex(), user.value());
    }

    void remove(SID sid, UserID user) {
        jdbc.update("DELETE FROM shared_folder_members WHERE sid = ? AND user_id = ?", sid.hex(), user.value());
    }


    /** The folders {@code user} has JOINED, by name, with its effective role and their member-list versions. */
    List<AclFolder> aclFoldersOf(UserID user) {
        return jdbc.query("SELECT f.sid, f.name, " + EFFECTIVE_OF_USER + ", f.acl_version FROM shared_folder_members m"
                + " JOIN shared_folders f ON f.sid = m.sid" + USER_GROUP_GRANTS + " WHERE m.user_id = ? AND m.state = 'JOINED'"
                + " AND f.destroyed_at IS NULL ORDER BY f.name, f.sid",
                (rs, i) -> new AclFolder(SID.of(rs.getString(1)), rs.getString(2), effective(rs.getInt(3)), rs.getLong(4)), user.value(),
                user.value());
    }

    /** What a team server of the organization syncs: every folder an active user of it has JOINED, as an EDITOR, by SID. */
    List<AclFolder> aclFoldersOfOrganization(OrgID organization) {
        return jdbc.query("SELECT f.sid, f.name, f.acl_version FROM shared_folders f WHERE f.organization_id = ? AND f.destroyed_at IS NULL"
                + " AND EXISTS (SELECT 1 FROM shared_folder_members m JOIN users u ON u.id = m.user_id"
                + " WHERE m.sid = f.sid AND m.state = 'JOINED' AND u.active = TRUE) ORDER BY f.sid",
                (rs, i) -> new AclFolder(SID.of(rs.getString(1)), rs.getString(2), FolderRole.EDITOR, rs.getLong(3)), organization.value());
    }

    /**
     * The stores {@code user}'s devices sync: its JOINED folders, or for a team server every
     * folder an active user of its organization has JOINED. {@code GET /acl} lists them, and
     * verkehr's store topics are authorized by them.
     */
    List<AclFolder> synced(UserID user) {
        return user.teamServerOrg().map(this::aclFoldersOfOrganization).orElseGet(() -> aclFoldersOf(user));
    }

    /** Moves the folder's member-list version: its JOINED members or their roles may have changed. */
    void touch(SID sid) {
        jdbc.update("UPDATE shared_folders SET acl_version = acl_version + 1 WHERE sid = ?", sid.hex());
    }

    /** A page of an organization's live folders, by SID, after {@code after} (null: from the start). */
    List<Folder> ofOrganization(OrgID organization, SID after, int limit) {
        return jdbc.query("SELECT sid, organization_id, name, created_at, destroyed_at FROM shared_folders"
                + " WHERE organization_id = ? AND destroyed_at IS NULL AND sid > ? ORDER BY sid LIMIT " + limit,
                (rs, i) -> new Folder(SID.of(rs.getString(1)), new OrgID(rs.getInt(2)), rs.getString(3),
                        rs.getTimestamp(4).toInstant(), false), organization.value(), after == null ? "" : after.hex());
    }

    /** As {@link #ofOrganization}, only the folders {@code member} is a member of (any state); by the member's index. */
    List<Folder> ofOrganizationWithMember(OrgID organization, UserID member, SID after, int limit) {
        return jdbc.query("SELECT f.sid, f.organization_id, f.name, f.created_at FROM shared_folder_members m"
                + " JOIN shared_folders f ON f.sid = m.sid WHERE m.user_id = ? AND m.sid > ? AND f.organization_id = ?"
                + " AND f.destroyed_at IS NULL ORDER BY m.sid LIMIT " + limit,
                (rs, i) -> new Folder(SID.of(rs.getString(1)), new OrgID(rs.getInt(2)), rs.getString(3),
                        rs.getTimestamp(4).toInstant(), false), member.value(), after == null ? "" : after.hex(), organization.value());
    }

    /** The folders {@code user} is a member of (any state), by name. */
    List<Membership> of(UserID user) {
        return jdbc.query("SELECT f.sid, f.name, " + EFFECTIVE_OF_USER + ", m.state FROM shared_folder_members m"
                + " JOIN shared_folders f ON f.sid = m.sid" + USER_GROUP_GRANTS + " WHERE m.user_id = ? AND f.destroyed_at IS NULL"
                + " ORDER BY f.name, f.sid",
                (rs, i) -> new Membership(SID.of(rs.getString(1)), rs.getString(2), effective(rs.getInt(3)),
                        MemberState.valueOf(rs.getString(4))), user.value(), user.value());
    }
}
