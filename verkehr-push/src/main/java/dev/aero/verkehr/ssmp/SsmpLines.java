package dev.aero.verkehr.ssmp;

import java.nio.charset.StandardCharsets;

/**
 * Encodes what the server sends: responses ({@code code [payload]}) and events
 * ({@code 000 from VERB [target] [payload]}), each one complete line as bytes.
 */
public final class SsmpLines {

    public static final byte[] OK = line("200");
    public static final byte[] BAD_REQUEST = line("400");
    public static final byte[] NOT_FOUND = line("404");
    public static final byte[] NOT_ALLOWED = line("405");
    public static final byte[] CONFLICT = line("409");
    public static final byte[] NOT_IMPLEMENTED = line("501");
    public static final byte[] PING = line("000 . PING");
    public static final byte[] PONG = line("000 . PONG");

    private SsmpLines() {
    }

    /** {@code 401 <schemes>}: the payload lists the schemes this server accepts. */
    public static byte[] unauthorized(String schemes) {
        return line("401 " + schemes);
    }

    /** {@code 000 <from> <verb> <target>} (presence events). */
    public static byte[] event(String from, String verb, String target) {
        return line("000 " + from + ' ' + verb + ' ' + target);
    }

    /** {@code 000 <from> <verb> [<target>] <payload>}; the payload is already in wire form. */
    public static byte[] event(String from, String verb, String target, byte[] wirePayload) {
        String head = target == null ? "000 " + from + ' ' + verb + ' ' : "000 " + from + ' ' + verb + ' ' + target + ' ';
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + wirePayload.length + 1];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(wirePayload, 0, out, h.length, wirePayload.length);
        out[out.length - 1] = SsmpWire.LF;
        return out;
    }

    private static byte[] line(String s) {
        return (s + '\n').getBytes(StandardCharsets.US_ASCII);
    }
}
