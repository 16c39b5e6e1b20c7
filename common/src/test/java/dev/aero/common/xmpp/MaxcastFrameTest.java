package dev.aero.common.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class MaxcastFrameTest {

    private static String encode(int version, int id, int length, byte[] payload, byte checksum) {
        ByteBuffer b = ByteBuffer.allocate(12 + payload.length + 1);
        b.putInt(version).putInt(id).putInt(length).put(payload).put(checksum);
        return Base64.getEncoder().encodeToString(b.array());
    }

    @Test
    void readsAndWritesTheDocumentedExample() {
        MaxcastFrame frame = MaxcastFrame.parse("AAAAAf////8AAAAFaGVsbG9i");
        assertThat(frame.version()).isEqualTo(1);
        assertThat(frame.mcastId()).isEqualTo(-1);
        assertThat(new String(frame.payload(), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(frame.text()).isEqualTo("AAAAAf////8AAAAFaGVsbG9i");
        assertThat(new MaxcastFrame(1, -1, "hello".getBytes(StandardCharsets.US_ASCII)).text()).isEqualTo("AAAAAf////8AAAAFaGVsbG9i");
    }

    @Test
    void theLargestFrameFitsAndOneByteMoreDoesNot() {
        MaxcastFrame largest = new MaxcastFrame(1, 7, new byte[700]);
        assertThat(largest.text()).hasSizeLessThanOrEqualTo(MaxcastFrame.MAX_TEXT);
        assertThat(MaxcastFrame.parse(largest.text()).payload()).hasSize(700);
        assertThatThrownBy(() -> new MaxcastFrame(1, 7, new byte[701])).isInstanceOf(MaxcastFrame.InvalidFrameException.class);
        assertThat(MaxcastFrame.check(encode(1, 7, 701, new byte[701], (byte) 0))).isEqualTo(MaxcastFrame.Problem.TOO_LARGE);
    }

    @Test
    void everyBrokenFrameIsDroppedWithItsCause() {
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        assertThat(MaxcastFrame.check("not base64!")).isEqualTo(MaxcastFrame.Problem.NOT_BASE64);
        assertThat(MaxcastFrame.check(null)).isEqualTo(MaxcastFrame.Problem.NOT_BASE64);
        assertThat(MaxcastFrame.check("AAAA")).isEqualTo(MaxcastFrame.Problem.TOO_SHORT);
        assertThat(MaxcastFrame.check(encode(1, -1, 6, hello, (byte) 0x62))).isEqualTo(MaxcastFrame.Problem.BAD_LENGTH);
        assertThat(MaxcastFrame.check(encode(1, -1, 4, hello, (byte) 0x62))).isEqualTo(MaxcastFrame.Problem.BAD_LENGTH);
        assertThat(MaxcastFrame.check(encode(1, -1, -1, hello, (byte) 0x62))).isEqualTo(MaxcastFrame.Problem.BAD_LENGTH);
        assertThat(MaxcastFrame.check(encode(1, -1, 5, hello, (byte) 0x63))).isEqualTo(MaxcastFrame.Problem.BAD_CHECKSUM);
        assertThat(MaxcastFrame.check("A".repeat(MaxcastFrame.MAX_TEXT + 4))).isEqualTo(MaxcastFrame.Problem.TOO_LARGE);
        assertThat(MaxcastFrame.check(encode(1, -1, 5, hello, (byte) 0x62))).isNull();
    }
}
