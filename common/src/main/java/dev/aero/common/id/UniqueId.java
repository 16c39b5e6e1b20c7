package dev.aero.common.id;

import java.security.SecureRandom;
import java.util.HexFormat;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The 16-byte random identifiers (device and store ids), written as exactly 32 lower-case hex
 * characters. Two ids are equal only if they are of the same kind and hold the same bytes.
 */
public abstract sealed class UniqueId permits DID, SID {

    static final int BYTES = 16;
    static final int HEX_LENGTH = BYTES * 2;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final String hex;

    UniqueId(String kind, String hex) {
        this.hex = requireValid(kind, hex);
    }

    public final String hex() {
        return hex;
    }

    public final byte[] toBytes() {
        return HEX.parseHex(hex);
    }

    @JsonValue
    @Override
    public final String toString() {
        return hex;
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((UniqueId) o).hex.equals(hex);
    }

    @Override
    public final int hashCode() {
        return hex.hashCode();
    }

    static String requireValid(String kind, String hex) {
        if (hex == null) {
            throw new InvalidIdentifierException(kind, null, "missing");
        }
        if (hex.length() != HEX_LENGTH) {
            throw new InvalidIdentifierException(kind, hex,
                    "expected " + HEX_LENGTH + " lower-case hex characters, got " + hex.length());
        }
        for (int i = 0; i < HEX_LENGTH; i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new InvalidIdentifierException(kind, hex, "expected lower-case hex characters only, found '"
                        + InvalidIdentifierException.printable(String.valueOf(c)) + "' at " + i);
            }
        }
        return hex;
    }

    static String hexOf(String kind, byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new InvalidIdentifierException(kind, bytes == null ? null : HEX.formatHex(bytes), "expected " + BYTES + " bytes");
        }
        return HEX.formatHex(bytes);
    }

    static String randomHex() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }
}
