package dev.aero.common.xmpp;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * A maxcast frame (docs/protocols/xmpp.md): base64 of int32 protocol version, int32 mcast id
 * (-1 = unfiltered), int32 payload length n, n payload bytes, and one byte, the XOR of the
 * payload bytes; integers big-endian, the payload at most 700 bytes. Receivers and the bridge
 * drop a frame that fails any check, and count it by its cause.
 */
public record MaxcastFrame(int version, int mcastId, byte[] payload) {

    /** The largest payload. */
    public static final int MAX_PAYLOAD = 700;
    private static final int HEADER = 12;
    /** The longest base64 text of a frame: 4 * ceil((12 + 700 + 1) / 3). */
    public static final int MAX_TEXT = 4 * ((HEADER + MAX_PAYLOAD + 1 + 2) / 3);

    /** Why a frame is dropped. */
    public enum Problem {
        NOT_BASE64("not-base64"), TOO_SHORT("too-short"), BAD_LENGTH("bad-length"), TOO_LARGE("too-large"), BAD_CHECKSUM("bad-checksum");

        private final String cause;

        Problem(String cause) {
            this.cause = cause;
        }

        /** The metric tag. */
        public String cause() {
            return cause;
        }
    }

    /** A frame that failed a check. */
    public static final class InvalidFrameException extends IllegalArgumentException {
        private final Problem problem;

        InvalidFrameException(Problem problem) {
            super("invalid maxcast frame: " + problem.cause());
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    public MaxcastFrame {
        if (payload.length > MAX_PAYLOAD) {
            throw new InvalidFrameException(Problem.TOO_LARGE);
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** Checks a frame's text and reads it. */
    public static MaxcastFrame parse(String text) {
        if (text == null || text.length() > MAX_TEXT) {
            throw new InvalidFrameException(text == null ? Problem.NOT_BASE64 : Problem.TOO_LARGE);
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidFrameException(Problem.NOT_BASE64);
        }
        if (bytes.length < HEADER + 1) {
            throw new InvalidFrameException(Problem.TOO_SHORT);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int version = buffer.getInt();
        int mcastId = buffer.getInt();
        int length = buffer.getInt();
        if (length > MAX_PAYLOAD) {
            throw new InvalidFrameException(Problem.TOO_LARGE);
        }
        if (length < 0 || bytes.length != HEADER + length + 1) {
            throw new InvalidFrameException(Problem.BAD_LENGTH);
        }
        byte[] payload = new byte[length];
        buffer.get(payload);
        if (buffer.get() != checksum(payload)) {
            throw new InvalidFrameException(Problem.BAD_CHECKSUM);
        }
        return new MaxcastFrame(version, mcastId, payload);
    }

    /** Whether {@code text} is a valid frame; null if so, else why not. */
    public static Problem check(String text) {
        try {
            parse(text);
            return null;
        } catch (InvalidFrameException e) {
            return e.problem();
        }
    }

    /** The frame's base64 text. */
    public String text() {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + payload.length + 1);
        buffer.putInt(version).putInt(mcastId).putInt(payload.length).put(payload).put(checksum(payload));
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    private static byte checksum(byte[] payload) {
        byte x = 0;
        for (byte b : payload) {
            x ^= b;
        }
        return x;
    }
}
