package dev.aero.verkehr.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.aero.common.ssmp.SsmpGrammarException;
import dev.aero.common.ssmp.SsmpRequest;
import dev.aero.common.ssmp.SsmpRequestParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * verkehr's request parser on any bytes a connection may send: a request, a wait for more bytes,
 * or a grammar error (which closes the connection), never another exception, and never a read
 * past what arrived. {@link SsmpDecoderFuzzTest} checks the same with seeded random input.
 */
class SsmpParserFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void requestsParseOrAreGrammarErrors(byte[] input) {
        ByteBuf in = Unpooled.wrappedBuffer(input);
        while (in.isReadable()) {
            int before = in.readerIndex();
            SsmpRequest request;
            try {
                request = SsmpRequestParser.parse(SsmpDecoder.bytes(in));
            } catch (SsmpGrammarException e) {
                return;
            }
            assertThat(in.readerIndex()).isBetween(before, input.length);
            if (request == null) {
                assertThat(in.readerIndex()).as("waiting for more bytes consumes none").isEqualTo(before);
                return;
            }
            assertThat(in.readerIndex()).as("a request consumes its line").isGreaterThan(before);
        }
    }
}
