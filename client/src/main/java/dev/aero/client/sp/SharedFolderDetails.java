package dev.aero.client.sp;

import java.util.List;

import dev.aero.common.id.SID;

/**
 * One shared folder with its members (one row per user, with its effective role) and the
 * groups it is shared with.
 */
public record SharedFolderDetails(SID sid, String name, List<Member> members, List<GroupGrant> groups) {

    /** A member: its address, effective role and state; {@code groups} names the groups it holds the folder through. */
    public record Member(String email, String role, String state, List<Long> groups) {
    }

    /** The folder is shared with group {@code groupId} with {@code role}. */
    public record GroupGrant(long groupId, String name, String role) {
    }
}
