package dev.aero.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A store (shared folder) id: 16 random bytes, written as exactly 32 lower-case hex characters.
 * It names the store's verkehr topic and its XMPP room.
 */
public record SID(String hex) implements Comparable<SID> {

    public SID {
        UniqueIdHex.requireValid("store id", hex);
    }

    /** Parses the 32-character lower-case hex form; anything else is rejected. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static SID of(String hex) {
        return new SID(hex);
    }

    public static SID fromBytes(byte[] bytes) {
        return new SID(UniqueIdHex.fromBytes("store id", bytes));
    }

    public static SID random() {
        return new SID(UniqueIdHex.random());
    }

    public byte[] toBytes() {
        return UniqueIdHex.toBytes(hex);
    }

    @JsonValue
    @Override
    public String toString() {
        return hex;
    }

    @Override
    public int compareTo(SID other) {
        return hex.compareTo(other.hex);
    }
}
