package dev.aero.client.ssmp;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import dev.aero.common.ssmp.SsmpSyntax;

/**
 * SSMP 1.1's wire format (shared/design/specs/ssmp.md), in one place: request encoding, the
 * limits, and {@link Reader}, which decodes the server's lines. Every message is one line ending
 * in LF; fields are separated by one space:
 * <pre>
 * request  = LOGIN id scheme [credential] | CLOSE | PING | PONG
 *          | SUBSCRIBE topic [PRESENCE] | UNSUBSCRIBE topic
 *          | UCAST id payload | MCAST topic payload | BCAST payload
 * response = 3-digit code [payload]
 * event    = 000 from-id (UCAST to payload | MCAST topic payload | BCAST payload
 *                       | SUBSCRIBE topic | UNSUBSCRIBE topic | PING | PONG)
 * </pre>
 * id and topic: 1-64 of {@code A-Z a-z 0-9 . : @ / _ - + = ~}. A payload is 1-1024 bytes, sent
 * in one of two forms:
 * <ul>
 * <li>text: the bytes as they are; allowed when the first byte is not 0-3 or LF and no byte is LF.
 *     It runs to the end of the line, spaces included.</li>
 * <li>binary: a 2-byte big-endian prefix holding (length - 1), then the bytes, which may include
 *     LF. The prefix is at most 1023 = 0x03FF, so its first byte, 0-3, is what marks the form.</li>
 * </ul>
 */
public final class SsmpWire {

    public static final int MAX_ID_LENGTH = SsmpSyntax.MAX_ID;
    public static final int MAX_PAYLOAD_LENGTH = SsmpSyntax.MAX_PAYLOAD;
    public static final int MAX_VERB_LENGTH = SsmpSyntax.MAX_VERB;
    /** Deployment secrets are visible ASCII (common's ServiceCredential); kept within one payload. */
    public static final int MAX_CREDENTIAL_LENGTH = 1024;

    /** The anonymous id; also the sender of the server's own PING and PONG. */
    public static final String ANONYMOUS = SsmpSyntax.ANONYMOUS;
    public static final String SCHEME_CERT = "cert";
    public static final String SCHEME_SECRET = "secret";
    public static final String SCHEME_OPEN = "open";

    public static final int EVENT = 0;
    public static final int OK = 200;
    public static final int BAD_REQUEST = 400;
    public static final int UNAUTHORIZED = 401;
    public static final int NOT_FOUND = 404;
    public static final int NOT_ALLOWED = 405;
    public static final int CONFLICT = 409;
    public static final int NOT_IMPLEMENTED = 501;

    private static final byte SP = ' ';
    private static final byte LF = '\n';

    private SsmpWire() {
    }

    // --- requests

    /** {@code LOGIN <id> <scheme> [<credential>]}; {@code credential} is null for schemes without one. */
    public static byte[] login(String id, String scheme, String credential) {
        requireId(id, "id");
        requireId(scheme, "scheme");
        Line line = new Line("LOGIN").field(id).field(scheme);
        if (credential != null) {
            requireCredential(credential);
            line.field(credential);
        }
        return line.end();
    }

    public static byte[] close() {
        return new Line("CLOSE").end();
    }

    public static byte[] ping() {
        return new Line("PING").end();
    }

    public static byte[] pong() {
        return new Line("PONG").end();
    }

    /** {@code SUBSCRIBE <topic> [PRESENCE]}. */
    public static byte[] subscribe(String topic, boolean presence) {
        Line line = new Line("SUBSCRIBE").field(requireId(topic, "topic"));
        if (presence) {
            line.field("PRESENCE");
        }
        return line.end();
    }

    public static byte[] unsubscribe(String topic) {
        return new Line("UNSUBSCRIBE").field(requireId(topic, "topic")).end();
    }

    public static byte[] ucast(String id, byte[] payload) {
        return new Line("UCAST").field(requireId(id, "id")).payload(payload).end();
    }

    public static byte[] mcast(String topic, byte[] payload) {
        return new Line("MCAST").field(requireId(topic, "topic")).payload(payload).end();
    }

    public static byte[] bcast(byte[] payload) {
        return new Line("BCAST").payload(payload).end();
    }

    // --- fields

    /** Whether {@code value} is a valid id or topic: 1-64 of {@code A-Z a-z 0-9 . : @ / _ - + = ~}. */
    public static boolean isId(String value) {
        return SsmpSyntax.isId(value);
    }

    private static boolean isIdCharacter(int c) {
        return SsmpSyntax.isIdCharacter(c);
    }

    private static boolean isVerbCharacter(int c) {
        return c >= 'A' && c <= 'Z';
    }

    private static String requireId(String value, String what) {
        if (!isId(value)) {
            throw new IllegalArgumentException("an SSMP " + what + " is 1-" + MAX_ID_LENGTH
                    + " of A-Z a-z 0-9 . : @ / _ - + = ~, got " + quote(value));
        }
        return value;
    }

    private static void requireCredential(String credential) {
        // Never echo the credential: it is a secret.
        if (credential.isEmpty() || credential.length() > MAX_CREDENTIAL_LENGTH) {
            throw new IllegalArgumentException("an SSMP credential is 1-" + MAX_CREDENTIAL_LENGTH + " characters");
        }
        for (int i = 0; i < credential.length(); i++) {
            char c = credential.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new IllegalArgumentException("an SSMP credential is visible ASCII, without spaces");
            }
        }
    }

    /** Whether {@code payload} can go as it is (text form) rather than length-prefixed (binary form). */
    public static boolean isTextForm(byte[] payload) {
        return SsmpSyntax.isTextForm(payload);
    }

    private static String quote(String value) {
        return value == null ? "null" : '"' + value.replace("\n", "\\n") + '"';
    }

    private static byte[] bytes(String ascii) {
        return ascii.getBytes(StandardCharsets.US_ASCII);
    }

    /** A request line under construction. */
    private static final class Line {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);

        Line(String verb) {
            bytes.writeBytes(SsmpWire.bytes(verb));
        }

        Line field(String ascii) {
            bytes.write(SP);
            bytes.writeBytes(SsmpWire.bytes(ascii));
            return this;
        }

        Line payload(byte[] payload) {
            Objects.requireNonNull(payload, "payload");
            if (payload.length == 0 || payload.length > MAX_PAYLOAD_LENGTH) {
                throw new IllegalArgumentException("an SSMP payload is 1-" + MAX_PAYLOAD_LENGTH + " bytes, got " + payload.length);
            }
            bytes.write(SP);
            if (!isTextForm(payload)) {
                int prefix = payload.length - 1;
                bytes.write(prefix >>> 8);
                bytes.write(prefix & 0xFF);
            }
            bytes.writeBytes(payload);
            return this;
        }

        byte[] end() {
            bytes.write(LF);
            return bytes.toByteArray();
        }
    }

    // --- server lines

    /**
     * Decodes a server's byte stream one message at a time. A binary payload may hold LF, so lines
     * are not split on LF up front: each field is read in turn and a payload's form is chosen by
     * its first byte. Every field has a bound, so a misbehaving server cannot make it buffer more
     * than one payload. Not thread-safe: one reader per stream.
     */
    public static final class Reader {

        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;
        /** The SP or LF that ended the last field read by {@link #field}. */
        private int terminator;

        public Reader(InputStream in) {
            this.in = Objects.requireNonNull(in, "in");
        }

        /**
         * The next message; null if the stream ended cleanly between messages.
         *
         * @throws EOFException if it ended inside a message
         * @throws SsmpProtocolException if the bytes break SSMP's grammar
         */
        public SsmpMessage next() throws IOException {
            if (position == limit && !fill()) {
                return null;
            }
            int code = code();
            if (code != EVENT) {
                if (terminator == LF) {
                    return new SsmpMessage.Response(code, new byte[0]);
                }
                return new SsmpMessage.Response(code, payloadToEndOfLine());
            }
            expect(terminator == SP, "an event's sender after 000");
            String from = field("sender id", MAX_ID_LENGTH, false);
            expect(terminator == SP, "a verb after the sender " + from);
            String verb = field("verb", MAX_VERB_LENGTH, true);
            return switch (verb) {
                case "UCAST" -> {
                    String to = idThenSpace("UCAST's target id");
                    yield new SsmpMessage.Unicast(from, to, payloadToEndOfLine());
                }
                case "MCAST" -> {
                    String topic = idThenSpace("MCAST's topic");
                    yield new SsmpMessage.Multicast(from, topic, payloadToEndOfLine());
                }
                case "BCAST" -> {
                    expect(terminator == SP, "BCAST's payload");
                    yield new SsmpMessage.Broadcast(from, payloadToEndOfLine());
                }
                case "SUBSCRIBE" -> {
                    expect(terminator == SP, "SUBSCRIBE's topic");
                    String topic = field("topic", MAX_ID_LENGTH, false);
                    if (terminator == SP) {
                        // A forwarded request may keep its flag; for presence it means nothing more.
                        expect(field("flag", MAX_VERB_LENGTH, true).equals("PRESENCE") && terminator == LF, "PRESENCE or the end of line");
                    }
                    yield new SsmpMessage.Subscribed(from, topic);
                }
                case "UNSUBSCRIBE" -> {
                    expect(terminator == SP, "UNSUBSCRIBE's topic");
                    String topic = field("topic", MAX_ID_LENGTH, false);
                    expect(terminator == LF, "the end of line after UNSUBSCRIBE's topic");
                    yield new SsmpMessage.Unsubscribed(from, topic);
                }
                case "PING" -> {
                    expect(terminator == LF, "the end of line after PING");
                    yield new SsmpMessage.Ping(from);
                }
                case "PONG" -> {
                    expect(terminator == LF, "the end of line after PONG");
                    yield new SsmpMessage.Pong(from);
                }
                default -> new SsmpMessage.Unknown(from, verb, terminator == LF ? new byte[0] : unknownArguments());
            };
        }

        private int code() throws IOException {
            int code = 0;
            for (int i = 0; i < 3; i++) {
                int b = read();
                expect(b >= '0' && b <= '9', "a 3-digit code");
                code = code * 10 + (b - '0');
            }
            terminator = read();
            expect(terminator == SP || terminator == LF, "a space or the end of line after the code");
            return code;
        }

        private String idThenSpace(String what) throws IOException {
            expect(terminator == SP, what);
            String id = field(what, MAX_ID_LENGTH, false);
            expect(terminator == SP, "a payload after " + what);
            return id;
        }

        /** An id (or, with {@code verb}, an upper-case word) ended by SP or LF, which is kept in {@link #terminator}. */
        private String field(String what, int maxLength, boolean verb) throws IOException {
            StringBuilder field = new StringBuilder(16);
            while (true) {
                int b = read();
                if (b == SP || b == LF) {
                    expect(!field.isEmpty(), what);
                    terminator = b;
                    return field.toString();
                }
                expect(verb ? isVerbCharacter(b) : isIdCharacter(b), what + " (bad byte " + b + ")");
                expect(field.length() < maxLength, what + " of at most " + maxLength + " characters");
                field.append((char) b);
            }
        }

        /** A payload in either form, then the LF that ends the line. */
        private byte[] payloadToEndOfLine() throws IOException {
            int first = read();
            if (first <= 3) {
                byte[] payload = binaryPayload(first);
                expect(read() == LF, "the end of line after a binary payload of " + payload.length + " bytes");
                return payload;
            }
            expect(first != LF, "a payload");
            ByteArrayOutputStream text = new ByteArrayOutputStream(64);
            text.write(first);
            return textToEndOfLine(text, MAX_PAYLOAD_LENGTH);
        }

        private byte[] binaryPayload(int first) throws IOException {
            int length = ((first << 8) | read()) + 1;
            byte[] payload = new byte[length];
            int copied = 0;
            while (copied < length) {
                if (position == limit && !fill()) {
                    throw new EOFException("the stream ended inside a binary payload (" + copied + " of " + length + " bytes)");
                }
                int n = Math.min(length - copied, limit - position);
                System.arraycopy(buffer, position, payload, copied, n);
                position += n;
                copied += n;
            }
            return payload;
        }

        /** Appends bytes up to (not including) the line's LF; fails past {@code maxLength} bytes. */
        private byte[] textToEndOfLine(ByteArrayOutputStream text, int maxLength) throws IOException {
            while (true) {
                int b = read();
                if (b == LF) {
                    return text.toByteArray();
                }
                expect(text.size() < maxLength, "a line within " + maxLength + " bytes of payload");
                text.write(b);
            }
        }

        /**
         * The rest of an unknown event, framed by the generic grammar {@code VERB [SP id] [SP payload]}:
         * a binary payload can start only at the first field or right after the id.
         */
        private byte[] unknownArguments() throws IOException {
            ByteArrayOutputStream arguments = new ByteArrayOutputStream(64);
            int b = read();
            if (b > 3) {
                while (b != SP && b != LF) {
                    expect(arguments.size() < MAX_PAYLOAD_LENGTH, "an unknown event's first field within " + MAX_PAYLOAD_LENGTH + " bytes");
                    arguments.write(b);
                    b = read();
                }
                if (b == LF) {
                    return arguments.toByteArray();
                }
                arguments.write(SP);
                b = read();
            }
            if (b <= 3) {
                byte[] payload = binaryPayload(b);
                expect(read() == LF, "the end of line after a binary payload of " + payload.length + " bytes");
                int prefix = payload.length - 1;
                arguments.write(prefix >>> 8);
                arguments.write(prefix & 0xFF);
                arguments.writeBytes(payload);
                return arguments.toByteArray();
            }
            arguments.write(b);
            return textToEndOfLine(arguments, arguments.size() + MAX_PAYLOAD_LENGTH);
        }

        private int read() throws IOException {
            if (position == limit && !fill()) {
                throw new EOFException("the stream ended inside a message");
            }
            return buffer[position++] & 0xFF;
        }

        private boolean fill() throws IOException {
            int n = in.read(buffer);
            if (n <= 0) {
                return false;
            }
            position = 0;
            limit = n;
            return true;
        }

        private static void expect(boolean condition, String expected) throws SsmpProtocolException {
            if (!condition) {
                throw new SsmpProtocolException("expected " + expected);
            }
        }
    }
}
