package dev.aero.common.ssmp;

import static dev.aero.common.ssmp.SsmpSyntax.LF;
import static dev.aero.common.ssmp.SsmpSyntax.MAX_ID;
import static dev.aero.common.ssmp.SsmpSyntax.MAX_PAYLOAD;
import static dev.aero.common.ssmp.SsmpSyntax.MAX_VERB;
import static dev.aero.common.ssmp.SsmpSyntax.SP;

import java.nio.charset.StandardCharsets;

/**
 * Parses SSMP 1.1 requests (the server's side of the grammar, docs/protocols/ssmp.md) from
 * whatever holds the bytes received so far: a Netty cumulation buffer, or an array. It never
 * reads past the bytes it has; every field has a bound, so a request is either complete,
 * incomplete within a bounded prefix, or malformed as soon as its bytes say so.
 */
public final class SsmpRequestParser {

    /** The bytes received so far, readable from {@link #start()} to {@link #end()}. */
    public interface Bytes {

        int start();

        int end();

        byte get(int index);

        /** The index of the first {@code value} in {@code [from, to)}, or -1. */
        int indexOf(int from, int to, byte value);

        /** Copies {@code into.length} bytes from {@code from}. */
        void copy(int from, byte[] into);

        /** A request ended just before {@code index}: the bytes before it are consumed. */
        void consumeTo(int index);

        /** The bytes {@code [from, to)} of an array; {@link #consumeTo} moves {@link #start()}. */
        static Bytes of(byte[] array, int from, int to) {
            return new Bytes() {
                private int start = from;

                @Override
                public int start() {
                    return start;
                }

                @Override
                public int end() {
                    return to;
                }

                @Override
                public byte get(int index) {
                    return array[index];
                }

                @Override
                public int indexOf(int f, int t, byte value) {
                    for (int i = f; i < t; i++) {
                        if (array[i] == value) {
                            return i;
                        }
                    }
                    return -1;
                }

                @Override
                public void copy(int f, byte[] into) {
                    System.arraycopy(array, f, into, 0, into.length);
                }

                @Override
                public void consumeTo(int index) {
                    start = index;
                }
            };
        }
    }

    private SsmpRequestParser() {
    }

    /**
     * Parses one request from the readable bytes of {@code in}. Returns null, consuming nothing,
     * when the request is not complete yet; on success the bytes up to and including the
     * request's LF are consumed.
     *
     * @throws SsmpGrammarException when the bytes cannot begin a well-formed request
     */
    public static SsmpRequest parse(Bytes in) {
        Cursor c = new Cursor(in);
        String name = c.verb();
        if (name == null) {
            return null;
        }
        SsmpVerb verb = SsmpVerb.of(name);
        SsmpRequest request = switch (verb) {
            case CLOSE, PING, PONG -> c.end() ? new SsmpRequest(verb, name, null, null, false, null) : null;
            case LOGIN -> login(c, name);
            case SUBSCRIBE -> subscribe(c, name);
            case UNSUBSCRIBE -> {
                String topic = c.spaceThenToken();
                yield topic != null && c.end() ? new SsmpRequest(verb, name, topic, null, false, null) : null;
            }
            case UCAST, MCAST -> {
                String target = c.spaceThenToken();
                if (target == null) {
                    yield null;
                }
                byte[] payload = c.spaceThenPayload();
                yield payload != null ? new SsmpRequest(verb, name, target, null, false, payload) : null;
            }
            case BCAST -> {
                byte[] payload = c.spaceThenPayload();
                yield payload != null ? new SsmpRequest(verb, name, null, null, false, payload) : null;
            }
            case UNKNOWN -> unknown(c, name);
        };
        if (request != null) {
            in.consumeTo(c.pos);
        }
        return request;
    }

    private static SsmpRequest login(Cursor c, String name) {
        String id = c.spaceThenToken();
        String scheme = id == null ? null : c.spaceThenToken();
        if (scheme == null) {
            return null;
        }
        return switch (c.optionalEnd()) {
            case NEED_MORE -> null;
            case ENDED -> new SsmpRequest(SsmpVerb.LOGIN, name, id, scheme, false, null);
            case CONTINUES -> {
                byte[] credential = c.spaceThenPayload();
                yield credential == null ? null : new SsmpRequest(SsmpVerb.LOGIN, name, id, scheme, false, credential);
            }
        };
    }

    private static SsmpRequest subscribe(Cursor c, String name) {
        String topic = c.spaceThenToken();
        if (topic == null) {
            return null;
        }
        return switch (c.optionalEnd()) {
            case NEED_MORE -> null;
            case ENDED -> new SsmpRequest(SsmpVerb.SUBSCRIBE, name, topic, null, false, null);
            case CONTINUES -> {
                String flag = c.spaceThenToken();
                if (flag != null && !flag.equals(SsmpSyntax.PRESENCE)) {
                    throw new SsmpGrammarException("SUBSCRIBE takes only the PRESENCE option");
                }
                yield flag != null && c.end() ? new SsmpRequest(SsmpVerb.SUBSCRIBE, name, topic, null, true, null) : null;
            }
        };
    }

    /**
     * {@code VERB [SP id] [SP payload]}: the first field is an id when it is one and is followed
     * by SP or LF; anything else after the first SP is read as a payload.
     */
    private static SsmpRequest unknown(Cursor c, String name) {
        switch (c.optionalEnd()) {
            case NEED_MORE:
                return null;
            case ENDED:
                return new SsmpRequest(SsmpVerb.UNKNOWN, name, null, null, false, null);
            default:
                break;
        }
        c.expectSpace();
        int start = c.pos;
        int end = c.scanId();
        if (end == -1) {
            return null;
        }
        if (end > start && end - start <= MAX_ID) {
            int after = c.byteAt(end);
            if (after == LF) {
                c.pos = end + 1;
                return new SsmpRequest(SsmpVerb.UNKNOWN, name, c.ascii(start, end), null, false, null);
            }
            if (after == SP) {
                String id = c.ascii(start, end);
                c.pos = end;
                byte[] payload = c.spaceThenPayload();
                return payload == null ? null : new SsmpRequest(SsmpVerb.UNKNOWN, name, id, null, false, payload);
            }
        }
        c.pos = start;
        byte[] payload = c.payload();
        return payload == null ? null : new SsmpRequest(SsmpVerb.UNKNOWN, name, null, null, false, payload);
    }

    /** What follows a field that may end the request. */
    private enum LineEnd { NEED_MORE, ENDED, CONTINUES }

    /** Reading position over the readable bytes; each method returns null when bytes are missing. */
    private static final class Cursor {
        private final Bytes in;
        private final int limit;
        int pos;

        Cursor(Bytes in) {
            this.in = in;
            this.pos = in.start();
            this.limit = in.end();
        }

        int peek() {
            return pos < limit ? in.get(pos) & 0xff : -1;
        }

        int byteAt(int i) {
            return i < limit ? in.get(i) & 0xff : -1;
        }

        String ascii(int from, int to) {
            byte[] b = new byte[to - from];
            in.copy(from, b);
            return new String(b, StandardCharsets.US_ASCII);
        }

        String verb() {
            int start = pos;
            while (pos < limit) {
                int b = in.get(pos) & 0xff;
                if (b >= 'A' && b <= 'Z') {
                    if (pos - start == MAX_VERB) {
                        throw new SsmpGrammarException("verb longer than " + MAX_VERB + " letters");
                    }
                    pos++;
                    continue;
                }
                if (pos == start) {
                    throw new SsmpGrammarException("a request starts with an upper-case verb");
                }
                if (b != SP && b != LF) {
                    throw new SsmpGrammarException("a verb is upper-case ASCII letters only");
                }
                return ascii(start, pos);
            }
            return null;
        }

        /** Consumes LF if it is next; tells whether the request ended there or more fields follow. */
        LineEnd optionalEnd() {
            int b = peek();
            if (b < 0) {
                return LineEnd.NEED_MORE;
            }
            if (b == LF) {
                pos++;
                return LineEnd.ENDED;
            }
            return LineEnd.CONTINUES;
        }

        /** Consumes LF; false when more bytes are needed. */
        boolean end() {
            int b = peek();
            if (b < 0) {
                return false;
            }
            if (b != LF) {
                throw new SsmpGrammarException("unexpected bytes before the end of the line");
            }
            pos++;
            return true;
        }

        void expectSpace() {
            if (peek() != SP) {
                throw new SsmpGrammarException("fields are separated by one space");
            }
            pos++;
        }

        /** Index just past the longest run of id characters from pos (bounded), or -1 if the run reaches the end of the bytes. */
        int scanId() {
            int i = pos;
            while (i < limit && i - pos <= MAX_ID) {
                int b = in.get(i) & 0xff;
                if (!SsmpSyntax.isIdCharacter(b)) {
                    return i;
                }
                i++;
            }
            return i < limit || i - pos > MAX_ID ? i : -1;
        }

        String spaceThenToken() {
            int b = peek();
            if (b < 0) {
                return null;
            }
            expectSpace();
            int start = pos;
            int end = scanId();
            if (end == -1) {
                return null;
            }
            if (end == start) {
                throw new SsmpGrammarException("expected an id or topic of 1-64 characters of A-Z a-z 0-9 . : @ / _ - + = ~");
            }
            if (end - start > MAX_ID) {
                throw new SsmpGrammarException("ids and topics are at most " + MAX_ID + " characters");
            }
            int after = byteAt(end);
            if (after != SP && after != LF) {
                throw new SsmpGrammarException("ids and topics are characters of A-Z a-z 0-9 . : @ / _ - + = ~");
            }
            pos = end;
            return ascii(start, end);
        }

        byte[] spaceThenPayload() {
            int b = peek();
            if (b < 0) {
                return null;
            }
            expectSpace();
            return payload();
        }

        /** A payload followed by LF (consumed); the payload is returned in its wire form. */
        byte[] payload() {
            int first = peek();
            if (first < 0) {
                return null;
            }
            if (first == LF) {
                throw new SsmpGrammarException("a payload has at least one byte");
            }
            if (first <= 3) {
                if (limit - pos < 2) {
                    return null;
                }
                int length = ((first << 8) | (in.get(pos + 1) & 0xff)) + 1;
                int end = pos + 2 + length;
                if (end >= limit) {
                    return null;
                }
                if (in.get(end) != LF) {
                    throw new SsmpGrammarException("a binary payload must be followed by the end of the line");
                }
                byte[] wire = new byte[length + 2];
                in.copy(pos, wire);
                pos = end + 1;
                return wire;
            }
            int max = Math.min(limit, pos + MAX_PAYLOAD + 1);
            int lf = in.indexOf(pos, max, LF);
            if (lf < 0) {
                if (max - pos > MAX_PAYLOAD) {
                    throw new SsmpGrammarException("a text payload is at most " + MAX_PAYLOAD + " bytes");
                }
                return null;
            }
            byte[] wire = new byte[lf - pos];
            in.copy(pos, wire);
            pos = lf + 1;
            return wire;
        }
    }
}
