package dev.aero.sp.sharing;

import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;

import dev.aero.common.id.OrgID;
import dev.aero.common.id.UserID;

/** The tables {@code user_groups} and {@code user_group_members}. */
@Component
class Groups {

    record Group(long id, OrgID organization, String name) { }

    private final JdbcTemplate jdbc;

    Groups(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    long create(OrgID organization, String name, Instant now) {
        GeneratedKeyHolder key = new GeneratedKeyHolder();
        jdbc.update(c -> {
            PreparedStatement s = c.prepareStatement("INSERT INTO user_groups (organization_id, name, created_at) VALUES (?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS);
            s.setInt(1, organization.value());
            s.setString(2, name);
            s.setTimestamp(3, Timestamp.from(now));
            return s;
        }, key);
        return key.getKey().longValue();
    }

    /** The group, its row locked until the transaction ends. */
    Optional<Group> lock(long id) {
        return jdbc.query("SELECT id, organization_id, name FROM user_groups WHERE id = ? FOR UPDATE",
                (rs, i) -> new Group(rs.getLong(1), new OrgID(rs.getInt(2)), rs.getString(3)), id).stream().findFirst();
    }

    Optional<Group> find(long id) {
        return jdbc.query("SELECT id, organization_id, name FROM user_groups WHERE id = ?",
                (rs, i) -> new Group(rs.getLong(1), new OrgID(rs.getInt(2)), rs.getString(3)), id).stream().findFirst();
    }

    List<Group> ofOrganization(OrgID organization) {
        return jdbc.query("SELECT id, organization_id, name FROM user_groups WHERE organization_id = ? ORDER BY name, id",
                (rs, i) -> new Group(rs.getLong(1), new OrgID(rs.getInt(2)), rs.getString(3)), organization.value());
    }

    List<UserID> members(long id) {
        return jdbc.queryForList("SELECT user_id FROM user_group_members WHERE group_id = ? ORDER BY user_id", String.class, id)
                .stream().map(UserID::of).toList();
    }

    boolean isMember(long id, UserID user) {
        return !jdbc.queryForList("SELECT user_id FROM user_group_members WHERE group_id = ? AND user_id = ?", String.class, id,
                user.value()).isEmpty();
    }

    void add(long id, UserID user) {
        jdbc.update("INSERT INTO user_group_members (group_id, user_id) VALUES (?, ?)", id, user.value());
    }

    void remove(long id, UserID user) {
        jdbc.update("DELETE FROM user_group_members WHERE group_id = ? AND user_id = ?", id, user.value());
    }

    /** Takes the user out of every group (deactivation). */
    void removeEverywhere(UserID user) {
        jdbc.update("DELETE FROM user_group_members WHERE user_id = ?", user.value());
    }

    void rename(long id, String name) {
        jdbc.update("UPDATE user_groups SET name = ? WHERE id = ?", name, id);
    }

    void delete(long id) {
        jdbc.update("DELETE FROM user_group_members WHERE group_id = ?", id);
        jdbc.update("DELETE FROM user_groups WHERE id = ?", id);
    }
}
