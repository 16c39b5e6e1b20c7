package dev.aero.common.id;

import java.security.SecureRandom;
import java.util.HexFormat;

/** The 16-byte random identifiers (DID, SID) and their 32-character lower-case hex form. */
final class UniqueIdHex {

    static final int BYTES = 16;
    static final int HEX_LENGTH = BYTES * 2;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private UniqueIdHex() {
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
                throw new InvalidIdentifierException(kind, hex,
                        "expected lower-case hex characters only, found '" + InvalidIdentifierException.printable(String.valueOf(c)) + "' at " + i);
            }
        }
        return hex;
    }

    static String fromBytes(String kind, byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new InvalidIdentifierException(kind, bytes == null ? null : HEX.formatHex(bytes),
                    "expected " + BYTES + " bytes");
        }
        return HEX.formatHex(bytes);
    }

    static String random() {
        byte[] bytes = new byte[BYTES];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    static byte[] toBytes(String hex) {
        return HEX.parseHex(hex);
    }
}
