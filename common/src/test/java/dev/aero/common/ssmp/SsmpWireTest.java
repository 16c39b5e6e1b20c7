package dev.aero.common.ssmp;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request encoding, payload forms and the decoding of server lines, byte for byte. */
class SsmpWireTest {

    // --- requests

    @Test
    void requestsAreOneLineWithSingleSpaces() {
        assertThat(text(SsmpLines.login("0123abcd", "cert", null))).isEqualTo("LOGIN 0123abcd cert\n");
        assertThat(text(SsmpLines.login(".", "secret", "s3cr3t!"))).isEqualTo("LOGIN . secret s3cr3t!\n");
        assertThat(text(SsmpLines.close())).isEqualTo("CLOSE\n");
        assertThat(text(SsmpLines.ping())).isEqualTo("PING\n");
        assertThat(text(SsmpLines.pong())).isEqualTo("PONG\n");
        assertThat(text(SsmpLines.subscribe("acl/x-y_z=", true))).isEqualTo("SUBSCRIBE acl/x-y_z= PRESENCE\n");
        assertThat(text(SsmpLines.subscribe("cmd/abc", false))).isEqualTo("SUBSCRIBE cmd/abc\n");
        assertThat(text(SsmpLines.unsubscribe("cmd/abc"))).isEqualTo("UNSUBSCRIBE cmd/abc\n");
        assertThat(text(SsmpLines.mcast("t", ascii("loc 10.0.0.1 4242")))).isEqualTo("MCAST t loc 10.0.0.1 4242\n");
        assertThat(text(SsmpLines.bcast(ascii("hi")))).isEqualTo("BCAST hi\n");
    }

    @Test
    void aPayloadThatCanBeTextGoesAsItIs() {
        byte[] payload = "sig:z aGVsbG8= \r\t\u00e9".getBytes(UTF_8);
        assertThat(SsmpSyntax.isTextForm(payload)).isTrue();
        assertThat(SsmpLines.ucast("peer", payload)).isEqualTo(concat(ascii("UCAST peer "), payload, ascii("\n")));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, '\n'})
    void aPayloadStartingWithAFormByteOrLfGoesBinary(int first) {
        byte[] payload = {(byte) first, 'a', 'b'};
        assertThat(SsmpSyntax.isTextForm(payload)).isFalse();
        assertThat(SsmpLines.ucast("peer", payload))
                .isEqualTo(concat(ascii("UCAST peer "), new byte[] {0, 2}, payload, ascii("\n")));
    }

    @Test
    void aPayloadWithLfInsideGoesBinaryWithLengthMinusOne() {
        byte[] payload = ascii("line one\nline two");
        assertThat(SsmpSyntax.isTextForm(payload)).isFalse();
        assertThat(SsmpLines.mcast("t", payload))
                .isEqualTo(concat(ascii("MCAST t "), new byte[] {0, (byte) (payload.length - 1)}, payload, ascii("\n")));
    }

    @Test
    void payloadsAreOneTo1024Bytes() {
        byte[] binary = new byte[1024];
        byte[] line = SsmpLines.bcast(binary);
        assertThat(line).hasSize("BCAST ".length() + 2 + 1024 + 1);
        // 1023 = 0x03FF: the biggest prefix still starts with a form byte (0-3).
        assertThat(Arrays.copyOfRange(line, 6, 8)).isEqualTo(new byte[] {3, (byte) 0xFF});

        byte[] text = new byte[1024];
        Arrays.fill(text, (byte) 'x');
        assertThat(SsmpLines.bcast(text)).hasSize("BCAST ".length() + 1024 + 1);

        assertThatThrownBy(() -> SsmpLines.bcast(new byte[1025])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1025");
        assertThatThrownBy(() -> SsmpLines.ucast("a", new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a\nb", "caf\u00e9", "a,b", "a#b", "a*b", "a\u0000"})
    void invalidIdsAndTopicsAreRefused(String bad) {
        assertThat(SsmpSyntax.isId(bad)).isFalse();
        assertThatThrownBy(() -> SsmpLines.ucast(bad, ascii("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SsmpLines.subscribe(bad, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SsmpLines.login(bad, "cert", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idsAreAtMost64OfTheAllowedCharacters() {
        assertThat(SsmpSyntax.isId("AZaz09.:@/_-+=~")).isTrue();
        assertThat(SsmpSyntax.isId(".")).isTrue();
        assertThat(SsmpSyntax.isId("a".repeat(64))).isTrue();
        assertThat(SsmpSyntax.isId("a".repeat(65))).isFalse();
        assertThat(SsmpSyntax.isId(null)).isFalse();
    }

    @Test
    void aCredentialWithASpaceOrLfIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> SsmpLines.login("svc", "secret", "top secret"))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("top secret");
        assertThatThrownBy(() -> SsmpLines.login("svc", "secret", "a\nPING")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SsmpLines.login("svc", "secret", "")).isInstanceOf(IllegalArgumentException.class);
    }

    // --- server lines

    @Test
    void responsesWithAndWithoutPayload() throws IOException {
        SsmpMessageReader reader = reader(ascii("200\n401 cert secret\n404\n"));
        assertResponse(reader.next(), 200, "");
        assertResponse(reader.next(), 401, "cert secret");
        assertResponse(reader.next(), 404, "");
        assertThat(reader.next()).isNull();
    }

    @Test
    void eventsOfEveryKnownVerb() throws IOException {
        SsmpMessageReader reader = reader(ascii("""
                000 alice UCAST bob hello there
                000 . MCAST store/1 loc 10.0.0.1 4242
                000 alice BCAST bye
                000 carol SUBSCRIBE store/1
                000 carol SUBSCRIBE store/1 PRESENCE
                000 carol UNSUBSCRIBE store/1
                000 . PING
                000 . PONG
                """));
        SsmpMessage.Unicast unicast = (SsmpMessage.Unicast) reader.next();
        assertThat(unicast.from()).isEqualTo("alice");
        assertThat(unicast.to()).isEqualTo("bob");
        assertThat(text(unicast.payload())).isEqualTo("hello there");
        SsmpMessage.Multicast multicast = (SsmpMessage.Multicast) reader.next();
        assertThat(multicast.from()).isEqualTo(".");
        assertThat(multicast.topic()).isEqualTo("store/1");
        assertThat(text(multicast.payload())).isEqualTo("loc 10.0.0.1 4242");
        SsmpMessage.Broadcast broadcast = (SsmpMessage.Broadcast) reader.next();
        assertThat(text(broadcast.payload())).isEqualTo("bye");
        assertThat(reader.next()).isEqualTo(new SsmpMessage.Subscribed("carol", "store/1"));
        assertThat(reader.next()).isEqualTo(new SsmpMessage.Subscribed("carol", "store/1"));
        assertThat(reader.next()).isEqualTo(new SsmpMessage.Unsubscribed("carol", "store/1"));
        assertThat(reader.next()).isEqualTo(new SsmpMessage.Ping("."));
        assertThat(reader.next()).isEqualTo(new SsmpMessage.Pong("."));
        assertThat(reader.next()).isNull();
    }

    @Test
    void aBinaryPayloadMayHoldLfAndTheNextMessageStillParses() throws IOException {
        byte[] payload = {'\n', 0, 'x', '\n', '\n', 3};
        byte[] stream = concat(ascii("000 alice UCAST bob "), new byte[] {0, 5}, payload, ascii("\n200\n"));
        SsmpMessageReader reader = reader(stream);
        SsmpMessage.Unicast unicast = (SsmpMessage.Unicast) reader.next();
        assertThat(unicast.payload()).isEqualTo(payload);
        assertResponse(reader.next(), 200, "");
    }

    @Test
    void everyPayloadSurvivesTheServerForwardingItByteForByte() throws IOException {
        Random random = new Random(7);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        byte[][] payloads = new byte[200][];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = new byte[1 + random.nextInt(i % 2 == 0 ? 1024 : 8)];
            random.nextBytes(payloads[i]);
            if (i % 3 == 0) {
                // Mostly printable, so that the text form gets exercised too.
                for (int j = 0; j < payloads[i].length; j++) {
                    payloads[i][j] = (byte) ('a' + Math.floorMod(payloads[i][j], 26));
                }
            }
            // What the server forwards: "000 <from> " followed by the sender's request line, unchanged.
            stream.writeBytes(ascii("000 sender "));
            stream.writeBytes(SsmpLines.mcast("topic", payloads[i]));
        }
        // Delivered one byte per read, so every field boundary falls across reads.
        SsmpMessageReader reader = new SsmpMessageReader(new OneByteAtATime(new ByteArrayInputStream(stream.toByteArray())));
        for (byte[] payload : payloads) {
            SsmpMessage.Multicast multicast = (SsmpMessage.Multicast) reader.next();
            assertThat(multicast.payload()).isEqualTo(payload);
        }
        assertThat(reader.next()).isNull();
    }

    @Test
    void aResponseMayCarryABinaryPayload() throws IOException {
        SsmpMessageReader reader = reader(concat(ascii("400 "), new byte[] {0, 1, 'a', '\n'}, ascii("\n")));
        assertResponse(reader.next(), 400, "a\n");
    }

    @Test
    void anUnknownVerbIsKeptWholeEvenWithABinaryPayload() throws IOException {
        byte[] stream = concat(ascii("000 x FUTURE someone "), new byte[] {0, 1, '\n', '\n'}, ascii("\n000 x LATER\n000 . PONG\n"));
        SsmpMessageReader reader = reader(stream);
        SsmpMessage.Unknown future = (SsmpMessage.Unknown) reader.next();
        assertThat(future.verb()).isEqualTo("FUTURE");
        assertThat(future.arguments()).isEqualTo(concat(ascii("someone "), new byte[] {0, 1, '\n', '\n'}));
        SsmpMessage.Unknown later = (SsmpMessage.Unknown) reader.next();
        assertThat(later.arguments()).isEmpty();
        assertThat(reader.next()).isEqualTo(new SsmpMessage.Pong("."));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "20\n", "2000\n", "abc\n", "200x\n", "000\n", "000 a ucast b c\n", "000 a UCAST b\n", "000 a UCAST b \n",
            "000 bad,id BCAST x\n", "000 a PING x\n", "000 a SUBSCRIBE t NOW\n", "000 a UNSUBSCRIBE t x\n", "000 a TOOLONGVERBFORSSMP\n"})
    void linesOutsideTheGrammarAreProtocolErrors(String line) {
        assertThatThrownBy(() -> reader(ascii(line)).next()).isInstanceOf(SsmpProtocolException.class);
    }

    @Test
    void aTextPayloadOver1024BytesIsAProtocolError() throws IOException {
        byte[] line = concat(ascii("000 a BCAST "), ascii("x".repeat(1025)), ascii("\n"));
        assertThatThrownBy(() -> reader(line).next()).isInstanceOf(SsmpProtocolException.class);
        byte[] fits = concat(ascii("000 a BCAST "), ascii("x".repeat(1024)), ascii("\n"));
        assertThat(((SsmpMessage.Broadcast) reader(fits).next()).payload()).hasSize(1024);
    }

    @Test
    void aTextPayloadMayStartWithASpace() throws IOException {
        assertResponse(reader(ascii("200  \n")).next(), 200, " ");
    }

    @Test
    void aBinaryPayloadNotFollowedByLfIsAProtocolError() {
        byte[] line = concat(ascii("000 a BCAST "), new byte[] {0, 1, 'a', 'b', 'c'}, ascii("\n"));
        assertThatThrownBy(() -> reader(line).next()).isInstanceOf(SsmpProtocolException.class).hasMessageContaining("binary payload");
    }

    @Test
    void theStreamEndingInsideAMessageIsAnEndOfStream() {
        assertThatThrownBy(() -> reader(ascii("000 a UCAST b hel")).next()).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> reader(concat(ascii("000 a BCAST "), new byte[] {3, (byte) 0xFF, 1, 2})).next())
                .isInstanceOf(EOFException.class).hasMessageContaining("2 of 1024");
    }

    private static void assertResponse(SsmpMessage message, int code, String payload) {
        assertThat(message).isInstanceOf(SsmpMessage.Response.class);
        SsmpMessage.Response response = (SsmpMessage.Response) message;
        assertThat(response.code()).isEqualTo(code);
        assertThat(text(response.payload())).isEqualTo(payload);
    }

    private static SsmpMessageReader reader(byte[] bytes) {
        return new SsmpMessageReader(new ByteArrayInputStream(bytes));
    }

    static byte[] ascii(String text) {
        return text.getBytes(US_ASCII);
    }

    static String text(byte[] bytes) {
        return new String(bytes, UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** A stream that hands out one byte per read, as a slow network might. */
    private static final class OneByteAtATime extends FilterInputStream {
        OneByteAtATime(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return super.read(buffer, offset, Math.min(length, 1));
        }
    }
}
