package dev.aero.sp.sharing;

import java.util.ArrayList;
import java.util.List;

/**
 * A member's role in a shared folder: a named set of permission bits. Reading is implied by
 * membership; {@code WRITE} (1) lets a member change files, {@code MANAGE} (2) lets it invite,
 * change roles, remove members, rename and destroy.
 */
public enum FolderRole {
    VIEWER(0), EDITOR(1), OWNER(3);

    static final int WRITE = 1;
    static final int MANAGE = 2;

    private final int bits;

    FolderRole(int bits) {
        this.bits = bits;
    }

    int bits() {
        return bits;
    }

    boolean canManage() {
        return (bits & MANAGE) != 0;
    }

    /** The permission names, as {@code GET /acl} lists them. */
    List<String> permissions() {
        List<String> out = new ArrayList<>();
        if ((bits & WRITE) != 0) {
            out.add("WRITE");
        }
        if ((bits & MANAGE) != 0) {
            out.add("MANAGE");
        }
        return out;
    }

    static FolderRole ofBits(int bits) {
        for (FolderRole r : values()) {
            if (r.bits == bits) {
                return r;
            }
        }
        throw new IllegalStateException("no role has permission bits " + bits);
    }
}
