package dev.aero.client.sp;

import java.util.List;

import dev.aero.common.id.SID;

/**
 * A device's ACL ({@code GET /acl?since=}): the user's epoch, and when it was above
 * {@code since} the JOINED folders with their JOINED members; {@code stores} is null otherwise.
 */
public record Acl(long epoch, List<Store> stores) {

    public record Store(SID sid, String name, String role, List<String> permissions, List<Member> members) {
    }

    public record Member(String user, String role) {
    }
}
