package dev.aero.sp.devicelogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

class GzipCheckTest {

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** A member with every optional header field: FEXTRA, FNAME, FCOMMENT and FHCRC. */
    private static byte[] gzipWithFullHeader(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] { 0x1f, (byte) 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3 });
        out.writeBytes(new byte[] { 4, 0, 'a', 'b', 2, 0 });
        out.writeBytes("client.log\0".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes("a comment\0".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] { 0x12, 0x34 });
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        byte[] buffer = new byte[4096];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(data);
        writeLittleEndian(out, crc.getValue());
        writeLittleEndian(out, data.length);
        return out.toByteArray();
    }

    private static void writeLittleEndian(ByteArrayOutputStream out, long value) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }

    private static byte[] logText(int size) {
        StringBuilder text = new StringBuilder();
        Random random = new Random(size);
        while (text.length() < size) {
            text.append("2026-01-01T10:00:00Z INFO syncing file ").append(random.nextInt(100_000)).append('\n');
        }
        return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    /** Feeds the bytes in pieces of {@code piece} bytes, then finishes. */
    private static void check(byte[] bytes, int piece) throws GzipCheck.InvalidGzipException {
        try (GzipCheck check = new GzipCheck()) {
            for (int at = 0; at < bytes.length; at += piece) {
                check.update(bytes, at, Math.min(piece, bytes.length - at));
            }
            check.finish();
        }
    }

    private static GzipCheck.InvalidGzipException refusal(byte[] bytes, int piece) {
        GzipCheck.InvalidGzipException e = catchThrowableOfType(GzipCheck.InvalidGzipException.class, () -> check(bytes, piece));
        assertThat(e).as("expected the bytes to be refused").isNotNull();
        return e;
    }

    @Test
    void wholeStreamsPassInAnyPieces() throws Exception {
        byte[] stream = gzip(logText(200_000));
        for (int piece : new int[] { 1, 7, 512, 65536, stream.length }) {
            check(stream, piece);
        }
        check(gzipWithFullHeader(logText(10_000)), 1);
        check(gzipWithFullHeader(logText(10_000)), 3);
        check(gzip(new byte[0]), 1);
    }

    @Test
    void concatenatedMembersAreOneStream() throws Exception {
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        two.writeBytes(gzip(logText(5000)));
        two.writeBytes(gzipWithFullHeader(logText(3000)));
        check(two.toByteArray(), 5);
        check(two.toByteArray(), 100_000);
    }

    @Test
    void everyCutShortOfTheEndIsTruncated() throws Exception {
        byte[] stream = gzipWithFullHeader(logText(20_000));
        for (int cut = 1; cut < stream.length; cut += cut < 64 ? 1 : 97) {
            GzipCheck.InvalidGzipException e = refusal(Arrays.copyOf(stream, cut), 13);
            assertThat(e.truncated()).as("cut at %d of %d: %s", cut, stream.length, e.getMessage()).isTrue();
        }
        assertThat(refusal(Arrays.copyOf(stream, stream.length - 1), stream.length).truncated()).isTrue();
    }

    @Test
    void otherBytesAreNotGzip() {
        for (byte[] bad : new byte[][] { "plain text log\n".getBytes(StandardCharsets.US_ASCII), { 0x1f }, { 0x1f, (byte) 0x8b, 7 },
                { 0x1f, (byte) 0x8b, 8, (byte) 0x80 } }) {
            GzipCheck.InvalidGzipException e = refusal(bad, 4);
            // A lone 0x1f could be the start of gzip: it is short, not wrong.
            assertThat(e.truncated()).as(e.getMessage()).isEqualTo(bad.length == 1);
        }
        GzipCheck.InvalidGzipException empty = refusal(new byte[0], 1);
        assertThat(empty.truncated()).isFalse();
        assertThat(empty.getMessage()).contains("empty");
    }

    @Test
    void corruptDataOrChecksumsAreNotGzip() throws Exception {
        byte[] stream = gzip(logText(50_000));
        byte[] badCrc = stream.clone();
        badCrc[badCrc.length - 6] ^= 0x01;
        assertThat(refusal(badCrc, 4096).getMessage()).contains("CRC-32");
        byte[] badLength = stream.clone();
        badLength[badLength.length - 2] ^= 0x01;
        assertThat(refusal(badLength, 4096).getMessage()).contains("length");
        byte[] badData = stream.clone();
        for (int i = 20; i < 60; i++) {
            badData[i] = (byte) 0xFF;
        }
        assertThat(refusal(badData, 4096).truncated()).isFalse();
    }

    @Test
    void bytesAfterTheLastMemberAreNotGzip() throws Exception {
        byte[] stream = gzip(logText(1000));
        byte[] trailing = Arrays.copyOf(stream, stream.length + 4);
        trailing[stream.length] = 'j';
        assertThat(refusal(trailing, 3).truncated()).isFalse();
    }
}
