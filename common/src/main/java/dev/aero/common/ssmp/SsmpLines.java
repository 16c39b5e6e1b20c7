package dev.aero.common.ssmp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Encodes SSMP 1.1 lines, each one complete line as bytes: the requests a client sends
 * ({@code VERB [id] [scheme|PRESENCE] [payload]}), and what a server sends, responses
 * ({@code code [payload]}) and events ({@code 000 from VERB [target] [payload]}). Ids, topics and
 * payload sizes are checked here, so a line built here is well formed.
 */
public final class SsmpLines {

    public static final byte[] OK = response(SsmpCode.OK);
    public static final byte[] BAD_REQUEST = response(SsmpCode.BAD_REQUEST);
    public static final byte[] NOT_FOUND = response(SsmpCode.NOT_FOUND);
    public static final byte[] NOT_ALLOWED = response(SsmpCode.NOT_ALLOWED);
    public static final byte[] CONFLICT = response(SsmpCode.CONFLICT);
    public static final byte[] NOT_IMPLEMENTED = response(SsmpCode.NOT_IMPLEMENTED);
    /** The server's own PING and PONG events. */
    public static final byte[] PING = event(SsmpSyntax.ANONYMOUS, SsmpVerb.PING.name());
    public static final byte[] PONG = event(SsmpSyntax.ANONYMOUS, SsmpVerb.PONG.name());

    private SsmpLines() {
    }

    // --- what a server sends

    /** {@code <code>}: a response without payload. */
    public static byte[] response(int code) {
        return ascii(String.format("%03d", code) + '\n');
    }

    /** {@code 401 <schemes>}: the payload lists the schemes this server accepts. */
    public static byte[] unauthorized(String schemes) {
        return ascii(SsmpCode.UNAUTHORIZED + " " + schemes + '\n');
    }

    /** {@code 000 <from> <verb>} (PING, PONG). */
    public static byte[] event(String from, String verb) {
        return ascii("000 " + from + ' ' + verb + '\n');
    }

    /** {@code 000 <from> <verb> <target>} (presence events). */
    public static byte[] event(String from, String verb, String target) {
        return ascii("000 " + from + ' ' + verb + ' ' + target + '\n');
    }

    /** {@code 000 <from> <verb> [<target>] <payload>}; the payload is already in wire form. */
    public static byte[] event(String from, String verb, String target, byte[] wirePayload) {
        String head = target == null ? "000 " + from + ' ' + verb + ' ' : "000 " + from + ' ' + verb + ' ' + target + ' ';
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + wirePayload.length + 1];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(wirePayload, 0, out, h.length, wirePayload.length);
        out[out.length - 1] = SsmpSyntax.LF;
        return out;
    }

    // --- what a client sends

    /** {@code LOGIN <id> <scheme> [<credential>]}; {@code credential} is null for schemes without one. */
    public static byte[] login(String id, String scheme, String credential) {
        requireId(id, "id");
        requireId(scheme, "scheme");
        Line line = new Line(SsmpVerb.LOGIN).field(id).field(scheme);
        if (credential != null) {
            requireCredential(credential);
            line.field(credential);
        }
        return line.end();
    }

    public static byte[] close() {
        return new Line(SsmpVerb.CLOSE).end();
    }

    public static byte[] ping() {
        return new Line(SsmpVerb.PING).end();
    }

    public static byte[] pong() {
        return new Line(SsmpVerb.PONG).end();
    }

    /** {@code SUBSCRIBE <topic> [PRESENCE]}. */
    public static byte[] subscribe(String topic, boolean presence) {
        Line line = new Line(SsmpVerb.SUBSCRIBE).field(requireId(topic, "topic"));
        if (presence) {
            line.field(SsmpSyntax.PRESENCE);
        }
        return line.end();
    }

    public static byte[] unsubscribe(String topic) {
        return new Line(SsmpVerb.UNSUBSCRIBE).field(requireId(topic, "topic")).end();
    }

    public static byte[] ucast(String id, byte[] payload) {
        return new Line(SsmpVerb.UCAST).field(requireId(id, "id")).payload(payload).end();
    }

    public static byte[] mcast(String topic, byte[] payload) {
        return new Line(SsmpVerb.MCAST).field(requireId(topic, "topic")).payload(payload).end();
    }

    public static byte[] bcast(byte[] payload) {
        return new Line(SsmpVerb.BCAST).payload(payload).end();
    }

    private static String requireId(String value, String what) {
        if (!SsmpSyntax.isId(value)) {
            throw new IllegalArgumentException("an SSMP " + what + " is 1-" + SsmpSyntax.MAX_ID
                    + " of A-Z a-z 0-9 . : @ / _ - + = ~, got " + quote(value));
        }
        return value;
    }

    private static void requireCredential(String credential) {
        // Never echo the credential: it is a secret.
        if (credential.isEmpty() || credential.length() > SsmpSyntax.MAX_CREDENTIAL) {
            throw new IllegalArgumentException("an SSMP credential is 1-" + SsmpSyntax.MAX_CREDENTIAL + " characters");
        }
        for (int i = 0; i < credential.length(); i++) {
            char c = credential.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new IllegalArgumentException("an SSMP credential is visible ASCII, without spaces");
            }
        }
    }

    private static String quote(String value) {
        return value == null ? "null" : '"' + value.replace("\n", "\\n") + '"';
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A request line under construction. */
    private static final class Line {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);

        Line(SsmpVerb verb) {
            bytes.writeBytes(ascii(verb.name()));
        }

        Line field(String ascii) {
            bytes.write(SsmpSyntax.SP);
            bytes.writeBytes(ascii(ascii));
            return this;
        }

        Line payload(byte[] payload) {
            Objects.requireNonNull(payload, "payload");
            if (payload.length == 0 || payload.length > SsmpSyntax.MAX_PAYLOAD) {
                throw new IllegalArgumentException("an SSMP payload is 1-" + SsmpSyntax.MAX_PAYLOAD + " bytes, got " + payload.length);
            }
            bytes.write(SsmpSyntax.SP);
            bytes.writeBytes(SsmpSyntax.toWireForm(payload));
            return this;
        }

        byte[] end() {
            bytes.write(SsmpSyntax.LF);
            return bytes.toByteArray();
        }
    }
}
