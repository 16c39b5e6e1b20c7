package dev.aero.sp.devicelogs;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Checks that bytes, fed in as they arrive, are a complete gzip stream (RFC 1952): one or more
 * members, each a well-formed header, deflate data and a trailer whose CRC-32 and length match
 * what inflates. The inflated bytes are thrown away; nothing but a small window is kept, so an
 * upload is checked while it is written, at any size. Not thread-safe; {@link #close()} it.
 */
final class GzipCheck implements AutoCloseable {

    /** The bytes are not gzip, or not a complete stream. */
    static final class InvalidGzipException extends Exception {
        private final boolean truncated;

        private InvalidGzipException(String message, boolean truncated) {
            super(message);
            this.truncated = truncated;
        }

        /** Whether the bytes were fine as far as they went, and ended too early. */
        boolean truncated() {
            return truncated;
        }
    }

    private enum State { FIXED_HEADER, EXTRA_LENGTH, EXTRA, NAME, COMMENT, HEADER_CRC, DATA, TRAILER, BETWEEN_MEMBERS }

    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int RESERVED_FLAGS = 0xE0;

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] scratch = new byte[16 * 1024];
    private final byte[] fixed = new byte[10];
    private State state = State.FIXED_HEADER;
    private int collected;
    private int flags;
    private int extraRemaining;
    private long inflatedSize;
    private long members;

    /** Takes the next {@code length} bytes of the stream. */
    void update(byte[] bytes, int offset, int length) throws InvalidGzipException {
        int at = offset;
        int end = offset + length;
        while (at < end) {
            if (state == State.DATA) {
                at = inflate(bytes, at, end);
            } else {
                next(bytes[at++] & 0xFF);
            }
        }
    }

    /** The stream has ended: it must have ended after a whole member. */
    void finish() throws InvalidGzipException {
        if (state == State.BETWEEN_MEMBERS) {
            return;
        }
        if (members == 0 && state == State.FIXED_HEADER && collected == 0) {
            throw new InvalidGzipException("The body is empty, not a gzip stream.", false);
        }
        throw new InvalidGzipException("The gzip stream ends early (in its " + where() + ").", true);
    }

    @Override
    public void close() {
        inflater.end();
    }

    /** One byte of a header, a trailer, or the first of a further member. */
    private void next(int b) throws InvalidGzipException {
        switch (state) {
            case BETWEEN_MEMBERS -> {
                startMember();
                next(b);
            }
            case FIXED_HEADER -> {
                fixed[collected++] = (byte) b;
                if (collected == 2 && ((fixed[0] & 0xFF) != 0x1F || (fixed[1] & 0xFF) != 0x8B)) {
                    throw notGzip(members == 0 ? "The body is not gzip (no gzip magic number)."
                            : "Bytes after the last gzip member are not another member.");
                }
                if (collected == 3 && b != 8) {
                    throw notGzip("The gzip member is not deflate-compressed (method " + b + ").");
                }
                if (collected == 4 && (b & RESERVED_FLAGS) != 0) {
                    throw notGzip("The gzip header has reserved flags set.");
                }
                if (collected == fixed.length) {
                    flags = fixed[3] & 0xFF;
                    collected = 0;
                    state = (flags & FEXTRA) != 0 ? State.EXTRA_LENGTH : afterExtra();
                }
            }
            case EXTRA_LENGTH -> {
                extraRemaining |= b << (8 * collected++);
                if (collected == 2) {
                    collected = 0;
                    state = extraRemaining > 0 ? State.EXTRA : afterExtra();
                }
            }
            case EXTRA -> {
                if (--extraRemaining == 0) {
                    state = afterExtra();
                }
            }
            case NAME -> {
                if (b == 0) {
                    state = (flags & FCOMMENT) != 0 ? State.COMMENT : afterComment();
                }
            }
            case COMMENT -> {
                if (b == 0) {
                    state = afterComment();
                }
            }
            case HEADER_CRC -> {
                // The header's CRC-16 is not checked: the trailer's CRC-32 covers what matters.
                if (++collected == 2) {
                    collected = 0;
                    state = State.DATA;
                }
            }
            case TRAILER -> {
                fixed[collected++] = (byte) b;
                if (collected == 8) {
                    collected = 0;
                    if (littleEndian32(0) != crc.getValue()) {
                        throw notGzip("The gzip member's CRC-32 does not match its data.");
                    }
                    if (littleEndian32(4) != (inflatedSize & 0xFFFF_FFFFL)) {
                        throw notGzip("The gzip member's length does not match its data.");
                    }
                    members++;
                    state = State.BETWEEN_MEMBERS;
                }
            }
            case DATA -> throw new IllegalStateException("deflate data is inflated, not read byte by byte");
        }
    }

    /** Inflates what it can of bytes[at, end); returns where the member's deflate data ended, or end. */
    private int inflate(byte[] bytes, int at, int end) throws InvalidGzipException {
        inflater.setInput(bytes, at, end - at);
        try {
            while (true) {
                int n = inflater.inflate(scratch);
                if (n > 0) {
                    crc.update(scratch, 0, n);
                    inflatedSize += n;
                } else if (inflater.finished()) {
                    state = State.TRAILER;
                    return end - inflater.getRemaining();
                } else if (inflater.needsDictionary()) {
                    throw notGzip("The deflate data asks for a preset dictionary, which gzip does not have.");
                } else if (inflater.needsInput()) {
                    return end;
                } else {
                    throw new IllegalStateException("the inflater made no progress and wants nothing");
                }
            }
        } catch (DataFormatException e) {
            throw notGzip("The gzip member's deflate data is corrupt.");
        }
    }

    private void startMember() {
        inflater.reset();
        crc.reset();
        inflatedSize = 0;
        extraRemaining = 0;
        collected = 0;
        state = State.FIXED_HEADER;
    }

    private State afterExtra() {
        return (flags & FNAME) != 0 ? State.NAME : (flags & FCOMMENT) != 0 ? State.COMMENT : afterComment();
    }

    private State afterComment() {
        return (flags & FHCRC) != 0 ? State.HEADER_CRC : State.DATA;
    }

    private long littleEndian32(int from) {
        return (fixed[from] & 0xFFL) | (fixed[from + 1] & 0xFFL) << 8 | (fixed[from + 2] & 0xFFL) << 16
                | (fixed[from + 3] & 0xFFL) << 24;
    }

    private String where() {
        return switch (state) {
            case DATA -> "compressed data";
            case TRAILER -> "trailer";
            default -> "header";
        };
    }

    private static InvalidGzipException notGzip(String message) {
        return new InvalidGzipException(message, false);
    }
}
