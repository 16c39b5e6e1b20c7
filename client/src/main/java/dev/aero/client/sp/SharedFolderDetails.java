package dev.aero.client.sp;

import java.util.List;

import dev.aero.common.id.SID;

/** One shared folder with its members. */
public record SharedFolderDetails(SID sid, String name, List<Member> members) {

    /** A member: its address, role and state. */
    public record Member(String email, String role, String state) {
    }
}
