package dev.aero.common.id;

import com.fasterxml.jackson.annotation.JsonCreator;

/** A device id. It is the CN of the device's certificate and its verkehr identity. */
public final class DID extends UniqueId implements Comparable<DID> {

    private static final String KIND = "device id";

    private DID(String hex) {
        super(KIND, hex);
    }

    /** Parses the 32-character lower-case hex form; anything else is rejected. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static DID of(String hex) {
        return new DID(hex);
    }

    public static DID fromBytes(byte[] bytes) {
        return new DID(hexOf(KIND, bytes));
    }

    public static DID random() {
        return new DID(randomHex());
    }

    @Override
    public int compareTo(DID other) {
        return hex().compareTo(other.hex());
    }
}
