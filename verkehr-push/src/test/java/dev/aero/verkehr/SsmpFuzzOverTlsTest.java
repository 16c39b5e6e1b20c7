package dev.aero.verkehr;

import dev.aero.common.ssmp.SsmpRequestParser;
import dev.aero.common.ssmp.SsmpGrammarException;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;



/** Mutated requests sent to a real server after LOGIN: each malformed one gets 400 and a close, and the server keeps serving. */
class SsmpFuzzOverTlsTest extends NodeTest {

    private int port;
    private SSLContext tls;

    @BeforeAll
    void start() throws Exception {
        port = VerkehrNodes.ssmpPort(nodes.start("f1", Map.of()));
        tls = nodes.pki.clientContext(null);
    }

    @Test
    void everyMalformedRequestIsAnswered400AndClosed() throws Exception {
        Random random = new Random(7);
        String[] seeds = {"SUBSCRIBE topic PRESENCE", "UCAST someone hello", "MCAST t payload", "UNSUBSCRIBE t", "BCAST x"};
        int tried = 0;
        while (tried < 120) {
            byte[] line = dev.aero.verkehr.connection.SsmpDecoderFuzzTest.mutate(random, seeds[random.nextInt(seeds.length)]);
            if (!malformed(line)) {
                continue;
            }
            tried++;
            try (RawSsmp c = new RawSsmp(tls, port)) {
                assertThat(c.call("LOGIN fuzz" + tried + " secret " + VerkehrNodes.SECRET)).isEqualTo("200");
                c.sendBytes(line);
                String printable = new String(line, StandardCharsets.ISO_8859_1);
                assertThat(c.line()).as(printable).isEqualTo("400");
                assertThat(c.closedWithin(RawSsmp.WAIT)).as(printable).isTrue();
            }
        }
        try (RawSsmp c = new RawSsmp(tls, port)) {
            assertThat(c.call("LOGIN after-fuzz secret " + VerkehrNodes.SECRET)).isEqualTo("200");
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    private static boolean malformed(byte[] line) {
        try {
            SsmpRequestParser.parse(SsmpRequestParser.Bytes.of(line, 0, line.length));
            return false;
        } catch (SsmpGrammarException e) {
            return true;
        }
    }
}
