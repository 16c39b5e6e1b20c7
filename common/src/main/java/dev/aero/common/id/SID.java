package dev.aero.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;

/** A store (shared folder) id. It names the store's verkehr topic and its XMPP room. */
public final class SID extends UniqueId implements Comparable<SID> {

    private static final String KIND = "store id";

    private SID(String hex) {
        super(KIND, hex);
    }

    /** Parses the 32-character lower-case hex form; anything else is rejected. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static SID of(String hex) {
        return new SID(hex);
    }

    public static SID fromBytes(byte[] bytes) {
        return new SID(hexOf(KIND, bytes));
    }

    public static SID random() {
        return new SID(randomHex());
    }

    @Override
    public int compareTo(SID other) {
        return hex().compareTo(other.hex());
    }
}
