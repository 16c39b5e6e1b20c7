package dev.aero.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A device id: 16 random bytes, written as exactly 32 lower-case hex characters. It is the CN
 * of the device's certificate and its verkehr identity.
 */
public record DID(String hex) implements Comparable<DID> {

    public DID {
        UniqueIdHex.requireValid("device id", hex);
    }

    /** Parses the 32-character lower-case hex form; anything else is rejected. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static DID of(String hex) {
        return new DID(hex);
    }

    public static DID fromBytes(byte[] bytes) {
        return new DID(UniqueIdHex.fromBytes("device id", bytes));
    }

    public static DID random() {
        return new DID(UniqueIdHex.random());
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
    public int compareTo(DID other) {
        return hex.compareTo(other.hex);
    }
}
