package dev.aero.common.ssmp;

import static dev.aero.common.ssmp.SsmpSyntax.LF;
import static dev.aero.common.ssmp.SsmpSyntax.SP;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * Decodes a server's byte stream (docs/protocols/ssmp.md: responses and events), one
 * {@link SsmpMessage} at a time, from a blocking stream. A binary payload may hold LF, so lines
 * are not split on LF up front: each field is read in turn and a payload's form is chosen by
 * its first byte. Every field has a bound, so a misbehaving server cannot make it buffer more
 * than one payload. Not thread-safe: one reader per stream.
 */
public final class SsmpMessageReader {

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    /** The SP or LF that ended the last field read by {@link #field}. */
    private int terminator;

    public SsmpMessageReader(InputStream in) {
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
        if (code != SsmpCode.EVENT) {
            if (terminator == LF) {
                return new SsmpMessage.Response(code, new byte[0]);
            }
            return new SsmpMessage.Response(code, payloadToEndOfLine());
        }
        expect(terminator == SP, "an event's sender after 000");
        String from = field("sender id", SsmpSyntax.MAX_ID, false);
        expect(terminator == SP, "a verb after the sender " + from);
        String verb = field("verb", SsmpSyntax.MAX_VERB, true);
        return switch (SsmpVerb.of(verb)) {
            case UCAST -> {
                String to = idThenSpace("UCAST's target id");
                yield new SsmpMessage.Unicast(from, to, payloadToEndOfLine());
            }
            case MCAST -> {
                String topic = idThenSpace("MCAST's topic");
                yield new SsmpMessage.Multicast(from, topic, payloadToEndOfLine());
            }
            case BCAST -> {
                expect(terminator == SP, "BCAST's payload");
                yield new SsmpMessage.Broadcast(from, payloadToEndOfLine());
            }
            case SUBSCRIBE -> {
                expect(terminator == SP, "SUBSCRIBE's topic");
                String topic = field("topic", SsmpSyntax.MAX_ID, false);
                if (terminator == SP) {
                    // A forwarded request may keep its flag; for presence it means nothing more.
                    expect(field("flag", SsmpSyntax.MAX_VERB, true).equals("PRESENCE") && terminator == LF, "PRESENCE or the end of line");
                }
                yield new SsmpMessage.Subscribed(from, topic);
            }
            case UNSUBSCRIBE -> {
                expect(terminator == SP, "UNSUBSCRIBE's topic");
                String topic = field("topic", SsmpSyntax.MAX_ID, false);
                expect(terminator == LF, "the end of line after UNSUBSCRIBE's topic");
                yield new SsmpMessage.Unsubscribed(from, topic);
            }
            case PING -> {
                expect(terminator == LF, "the end of line after PING");
                yield new SsmpMessage.Ping(from);
            }
            case PONG -> {
                expect(terminator == LF, "the end of line after PONG");
                yield new SsmpMessage.Pong(from);
            }
            case LOGIN, CLOSE, UNKNOWN -> new SsmpMessage.Unknown(from, verb, terminator == LF ? new byte[0] : unknownArguments());
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
        String id = field(what, SsmpSyntax.MAX_ID, false);
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
            expect(verb ? SsmpSyntax.isVerbCharacter(b) : SsmpSyntax.isIdCharacter(b), what + " (bad byte " + b + ")");
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
        return textToEndOfLine(text, SsmpSyntax.MAX_PAYLOAD);
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
                expect(arguments.size() < SsmpSyntax.MAX_PAYLOAD, "an unknown event's first field within " + SsmpSyntax.MAX_PAYLOAD + " bytes");
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
        return textToEndOfLine(arguments, arguments.size() + SsmpSyntax.MAX_PAYLOAD);
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
