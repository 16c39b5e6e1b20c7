package dev.aero.client.sp;

import java.util.List;

/** A group of the organization and its members' addresses (empty in group listings). */
public record Group(long groupId, String name, List<String> members) {

    public Group {
        members = members == null ? List.of() : List.copyOf(members);
    }
}
