package dev.aero.common.zephyr;

import java.nio.ByteBuffer;

/**
 * The zephyr relay's wire format (docs/protocols/zephyr.md), in one place for the relay
 * and its clients. Every integer is 32-bit big-endian. Both messages are 12 bytes:
 * <pre>
 * header   = MAGIC (0x82 0x96 0x44 0xA1) | LENGTH (int32, always 4)
 * REGISTER = header | zid       (relay -> client, sent as soon as the client connects)
 * BIND     = header | peer zid  (client -> relay)
 * </pre>
 * After a client's BIND, everything it sends is opaque stream data for its peer.
 */
public final class ZephyrWire {

    public static final int MAGIC = 0x829644A1;
    public static final int LENGTH = 4;
    public static final int MESSAGE_SIZE = 12;
    /** zids are drawn from [0, 2^31 - 1]. */
    public static final int MAX_ZID = Integer.MAX_VALUE;

    private static final byte[] MAGIC_BYTES = { (byte) 0x82, (byte) 0x96, (byte) 0x44, (byte) 0xA1 };

    private ZephyrWire() {
    }

    /** REGISTER or BIND: the header followed by {@code zid}. */
    public static byte[] message(int zid) {
        return ByteBuffer.allocate(MESSAGE_SIZE).putInt(MAGIC).putInt(LENGTH).putInt(zid).array();
    }

    /**
     * Checks a message as its bytes arrive: {@code prefix[0..length)} holds the first bytes of a
     * message. Returns null while nothing is wrong so far, else what is wrong. Lets the relay
     * reject bad magic on the first wrong byte rather than waiting for all twelve.
     */
    public static Violation check(byte[] prefix, int length) {
        for (int i = 0; i < Math.min(length, MAGIC_BYTES.length); i++) {
            if (prefix[i] != MAGIC_BYTES[i]) {
                return Violation.BAD_MAGIC;
            }
        }
        if (length >= 8 && ByteBuffer.wrap(prefix, 4, 4).getInt() != LENGTH) {
            return Violation.BAD_LENGTH;
        }
        return null;
    }

    /** The zid of a complete, checked message (a negative one names no connection). */
    public static int zidOf(byte[] message) {
        return ByteBuffer.wrap(message, 8, 4).getInt();
    }

    /** What can be wrong with a message's bytes. */
    public enum Violation {
        BAD_MAGIC, BAD_LENGTH
    }
}
