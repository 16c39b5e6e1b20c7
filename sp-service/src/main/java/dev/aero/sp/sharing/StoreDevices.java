package dev.aero.sp.sharing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import dev.aero.common.id.DID;
import dev.aero.common.id.OrgID;
import dev.aero.common.id.SID;

/**
 * The devices of a store: the linked devices of its JOINED members who are active, and, once
 * any active user of its organization has JOINED it, the organization's team servers (the same
 * rule as {@link SharedFolders#synced}). xmpp-bridge makes them the members of the store's room.
 */
@Repository
class StoreDevices {

    private static final int CHUNK = 500;

    private final JdbcTemplate jdbc;

    StoreDevices(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Each live folder's devices, in DID order, in the folders' order. */
    Map<SID, List<DID>> of(List<SharedFolders.Folder> folders) {
        Map<SID, Set<DID>> devices = new LinkedHashMap<>();
        for (SharedFolders.Folder f : folders) {
            devices.put(f.sid(), new TreeSet<>());
        }
        for (int from = 0; from < folders.size(); from += CHUNK) {
            List<SharedFolders.Folder> chunk = folders.subList(from, Math.min(folders.size(), from + CHUNK));
            String marks = String.join(",", Collections.nCopies(chunk.size(), "?"));
            Object[] sids = chunk.stream().map(f -> f.sid().hex()).toArray();
            jdbc.query("SELECT m.sid, d.id FROM shared_folder_members m JOIN users u ON u.id = m.user_id"
                    + " JOIN devices d ON d.owner_id = m.user_id WHERE m.sid IN (" + marks + ") AND m.state = 'JOINED'"
                    + " AND u.active = TRUE AND d.unlinked_at IS NULL",
                    rs -> {
                        devices.get(SID.of(rs.getString(1))).add(DID.of(rs.getString(2)));
                    }, sids);
            Set<SID> joined = new HashSet<>();
            jdbc.query("SELECT DISTINCT m.sid FROM shared_folder_members m JOIN users u ON u.id = m.user_id"
                    + " WHERE m.sid IN (" + marks + ") AND m.state = 'JOINED' AND u.active = TRUE",
                    rs -> {
                        joined.add(SID.of(rs.getString(1)));
                    }, sids);
            Map<OrgID, List<DID>> teamServers = teamServers(chunk.stream().filter(f -> joined.contains(f.sid()))
                    .map(SharedFolders.Folder::organization).distinct().toList());
            for (SharedFolders.Folder f : chunk) {
                if (joined.contains(f.sid())) {
                    devices.get(f.sid()).addAll(teamServers.getOrDefault(f.organization(), List.of()));
                }
            }
        }
        Map<SID, List<DID>> out = new LinkedHashMap<>();
        devices.forEach((sid, dids) -> out.put(sid, List.copyOf(dids)));
        return out;
    }

    private Map<OrgID, List<DID>> teamServers(List<OrgID> organizations) {
        Map<OrgID, List<DID>> out = new LinkedHashMap<>();
        if (organizations.isEmpty()) {
            return out;
        }
        Map<String, OrgID> byUser = new LinkedHashMap<>();
        organizations.forEach(o -> byUser.put(o.teamServerUser().value(), o));
        String marks = String.join(",", Collections.nCopies(byUser.size(), "?"));
        jdbc.query("SELECT owner_id, id FROM devices WHERE owner_id IN (" + marks + ") AND unlinked_at IS NULL",
                rs -> {
                    out.computeIfAbsent(byUser.get(rs.getString(1)), o -> new ArrayList<>()).add(DID.of(rs.getString(2)));
                }, byUser.keySet().toArray());
        return out;
    }

    /** A page of every live folder (of every organization), by SID, after {@code after} (null: from the start). */
    List<SharedFolders.Folder> page(SID after, int limit) {
        return jdbc.query("SELECT sid, organization_id, name, created_at FROM shared_folders WHERE destroyed_at IS NULL AND sid > ?"
                + " ORDER BY sid LIMIT " + limit, (rs, i) -> new SharedFolders.Folder(SID.of(rs.getString(1)), new OrgID(rs.getInt(2)),
                        rs.getString(3), rs.getTimestamp(4).toInstant(), false), after == null ? "" : after.hex());
    }
}
