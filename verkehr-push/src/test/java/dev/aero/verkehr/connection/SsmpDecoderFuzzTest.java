package dev.aero.verkehr.connection;

import dev.aero.common.ssmp.SsmpRequestParser;
import dev.aero.common.ssmp.SsmpRequest;
import dev.aero.common.ssmp.SsmpGrammarException;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import dev.aero.common.ssmp.SsmpSyntax;

/**
 * Property-based checks of the request parser on random and mutated input: it never throws
 * anything but {@link SsmpGrammarException}, never reads past what it is given, and never
 * accepts what breaks the grammar.
 */
public class SsmpDecoderFuzzTest {

    private static final String[] VALID = {
        "LOGIN abc secret s3cr3t", "LOGIN 0123456789abcdef0123456789abcdef/x cert", "LOGIN . open", "CLOSE", "PING", "PONG",
        "SUBSCRIBE acl/abc_DEF-123", "SUBSCRIBE topic PRESENCE", "UNSUBSCRIBE t", "UCAST id sig:z AAAA", "MCAST t hello world",
        "BCAST payload here", "FOO", "FOO bar", "FOO bar baz qux",
    };

    @Test
    void validRequestsParseAndConsumeExactlyTheirBytes() {
        for (String line : VALID) {
            ByteBuf in = Unpooled.copiedBuffer(line + "\nNEXT", StandardCharsets.ISO_8859_1);
            SsmpRequest r = SsmpRequestParser.parse(SsmpDecoder.bytes(in));
            assertThat(r).as(line).isNotNull();
            assertThat(in.readerIndex()).as(line).isEqualTo(line.length() + 1);
        }
    }

    @Test
    void everyPrefixOfAValidRequestAsksForMoreBytes() {
        for (String line : VALID) {
            byte[] b = (line + "\n").getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < b.length; i++) {
                ByteBuf in = Unpooled.wrappedBuffer(b, 0, i);
                assertThat(SsmpRequestParser.parse(SsmpDecoder.bytes(in))).as("%s cut at %d", line, i).isNull();
                assertThat(in.readerIndex()).isZero();
            }
        }
    }

    @Test
    void randomAndMutatedInputNeverEscapesAsAnythingButAGrammarError() {
        Random random = new Random(20261123L);
        int accepted = 0;
        int refused = 0;
        for (int round = 0; round < 200_000; round++) {
            byte[] input = round % 2 == 0 ? randomBytes(random) : mutate(random, VALID[random.nextInt(VALID.length)]);
            ByteBuf in = Unpooled.wrappedBuffer(input);
            try {
                SsmpRequest r;
                while ((r = SsmpRequestParser.parse(SsmpDecoder.bytes(in))) != null) {
                    accepted++;
                    assertWellFormed(r);
                }
                assertThat(in.readableBytes()).isLessThanOrEqualTo(SsmpSyntax.MAX_REQUEST);
            } catch (SsmpGrammarException e) {
                refused++;
            }
            assertThat(in.readerIndex()).isLessThanOrEqualTo(input.length);
        }
        assertThat(accepted).isPositive();
        assertThat(refused).isPositive();
    }

    /** What the parser hands on always satisfies the grammar's field rules. */
    static void assertWellFormed(SsmpRequest r) {
        assertThat(r.name()).matches("[A-Z]{1,16}");
        if (r.target() != null) {
            assertThat(SsmpSyntax.isId(r.target())).as(r.target()).isTrue();
        }
        if (r.scheme() != null) {
            assertThat(SsmpSyntax.isId(r.scheme())).isTrue();
        }
        if (r.payload() != null) {
            assertThat(SsmpSyntax.isWireForm(r.payload())).isTrue();
        }
        switch (r.verb()) {
            case UCAST, MCAST -> assertThat(r.target()).isNotNull();
            case LOGIN -> assertThat(r.scheme()).isNotNull();
            default -> { }
        }
    }

    static byte[] randomBytes(Random random) {
        byte[] b = new byte[random.nextInt(64)];
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcxyz019./:@_-+=~\n\u0000\u0001\u0002\u0003\t\r|!\u00ff";
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
        }
        return b;
    }

    /** A valid request with one to three bytes replaced, inserted or deleted, then LF. */
    public static byte[] mutate(Random random, String line) {
        StringBuilder s = new StringBuilder(line);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && s.length() > 0; e++) {
            int at = random.nextInt(s.length());
            char c = (char) random.nextInt(256);
            switch (random.nextInt(3)) {
                case 0 -> s.setCharAt(at, c);
                case 1 -> s.insert(at, c);
                default -> s.deleteCharAt(at);
            }
        }
        s.append('\n');
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
