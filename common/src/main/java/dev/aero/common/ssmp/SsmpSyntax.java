package dev.aero.common.ssmp;

/**
 * The field rules of SSMP 1.1 (specs/ssmp.md) that both ends of a connection apply: the id and
 * topic alphabet, the size limits, and the two payload forms. A payload in text form is sent as
 * it is; one that cannot be (it starts with byte 0-3 or holds LF) goes in binary form, its
 * length minus one in two big-endian bytes before it.
 */
public final class SsmpSyntax {

    public static final int MAX_VERB = 16;
    public static final int MAX_ID = 64;
    public static final int MAX_PAYLOAD = 1024;
    public static final String ANONYMOUS = ".";

    private static final boolean[] ID_CHARACTERS = new boolean[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            ID_CHARACTERS[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            ID_CHARACTERS[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            ID_CHARACTERS[c] = true;
        }
        for (char c : ".:@/_-+=~".toCharArray()) {
            ID_CHARACTERS[c] = true;
        }
    }

    private SsmpSyntax() {
    }

    /** Whether {@code c} (a char or an unsigned byte) may stand in an id or topic. */
    public static boolean isIdCharacter(int c) {
        return c >= 0 && c < 128 && ID_CHARACTERS[c];
    }

    /** Whether {@code s} is a valid id or topic: 1-64 of {@code A-Z a-z 0-9 . : @ / _ - + = ~}. */
    public static boolean isId(String s) {
        if (s == null || s.isEmpty() || s.length() > MAX_ID) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isIdCharacter(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether raw payload bytes can go in text form. */
    public static boolean isTextForm(byte[] raw) {
        if (raw.length == 0 || (raw[0] >= 0 && raw[0] <= 3)) {
            return false;
        }
        for (byte b : raw) {
            if (b == '\n') {
                return false;
            }
        }
        return true;
    }

    /** The wire form of 1-1024 raw payload bytes: text form when they allow it, else binary form. */
    public static byte[] toWireForm(byte[] raw) {
        if (raw == null || raw.length == 0 || raw.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("an SSMP payload has 1 to " + MAX_PAYLOAD + " bytes");
        }
        if (isTextForm(raw)) {
            return raw.clone();
        }
        byte[] wire = new byte[raw.length + 2];
        int n = raw.length - 1;
        wire[0] = (byte) (n >>> 8);
        wire[1] = (byte) n;
        System.arraycopy(raw, 0, wire, 2, raw.length);
        return wire;
    }

    /** Whether {@code wire} is one well-formed payload in either form. */
    public static boolean isWireForm(byte[] wire) {
        if (wire == null || wire.length == 0) {
            return false;
        }
        int first = wire[0] & 0xff;
        if (first <= 3) {
            return wire.length >= 3 && wire.length == ((first << 8) | (wire[1] & 0xff)) + 1 + 2;
        }
        return wire.length <= MAX_PAYLOAD && isTextForm(wire);
    }

    /** The raw bytes a wire payload carries (the binary form's length bytes removed). */
    public static byte[] fromWireForm(byte[] wire) {
        if ((wire[0] & 0xff) <= 3) {
            byte[] raw = new byte[wire.length - 2];
            System.arraycopy(wire, 2, raw, 0, raw.length);
            return raw;
        }
        return wire;
    }
}
