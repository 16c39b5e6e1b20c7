package dev.aero.common.ssmp;

/**
 * The field rules of SSMP 1.1 (docs/protocols/ssmp.md) that both ends of a connection apply: the
 * separators, the id and topic alphabet, the size limits, the login schemes and the two payload
 * forms. The rest of the wire format sits beside it: {@link SsmpVerb}, {@link SsmpCode},
 * {@link SsmpLines} (encoding), {@link SsmpRequestParser} and {@link SsmpMessageReader} (decoding). A payload in text form is sent as
 * it is; one that cannot be (it starts with byte 0-3 or holds LF) goes in binary form, its
 * length minus one in two big-endian bytes before it.
 */
public final class SsmpSyntax {

    /** Ends every line. */
    public static final byte LF = '\n';
    /** Separates fields. */
    public static final byte SP = ' ';
    /** A verb: 1-16 upper-case ASCII letters. */
    public static final int MAX_VERB = 16;
    /** An id or topic: 1-64 characters. */
    public static final int MAX_ID = 64;
    /** A payload: 1-1024 bytes. */
    public static final int MAX_PAYLOAD = 1024;
    /** Longest well-formed request: verb, id, scheme or topic, and a binary payload, with separators. */
    public static final int MAX_REQUEST = MAX_VERB + 1 + MAX_ID + 1 + MAX_ID + 1 + 2 + MAX_PAYLOAD + 1;
    /** A LOGIN credential as clients send it: 1-1024 visible ASCII characters (a deployment secret fits). */
    public static final int MAX_CREDENTIAL = 1024;
    /** The anonymous id; also the sender of the server's own PING and PONG. */
    public static final String ANONYMOUS = ".";
    /** SUBSCRIBE's one option: presence events for the topic. */
    public static final String PRESENCE = "PRESENCE";

    /** LOGIN schemes: the id is the TLS client certificate's CN or a SAN (optionally followed by {@code /} and more). */
    public static final String SCHEME_CERT = "cert";
    /** LOGIN schemes: the credential is the deployment secret (services). */
    public static final String SCHEME_SECRET = "secret";
    /** LOGIN schemes: no credential (development only). */
    public static final String SCHEME_OPEN = "open";

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

    /** Whether {@code c} (a char or an unsigned byte) may stand in a verb. */
    public static boolean isVerbCharacter(int c) {
        return c >= 'A' && c <= 'Z';
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
