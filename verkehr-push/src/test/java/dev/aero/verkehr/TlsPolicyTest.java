package dev.aero.verkehr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.aero.common.testing.TlsProbe;

/** verkehr's SSMP listener, seen by OpenSSL: TLS 1.3 first, TLS 1.2 with forward-secret AEAD ciphers only, nothing older. */
class TlsPolicyTest extends NodeTest {

    private int port;

    @BeforeAll
    void start() throws Exception {
        ConfigurableApplicationContext node = nodes.start("tls", Map.of());
        port = VerkehrNodes.ssmpPort(node);
    }

    @Test
    void tls13IsPreferredAndTls12WithAnAeadCipherIsTaken() throws Exception {
        TlsProbe.Result best = TlsProbe.handshake(port);
        assertThat(best.established()).as(best.output()).isTrue();
        assertThat(best.protocol()).isEqualTo("TLSv1.3");
        TlsProbe.Result tls12 = TlsProbe.handshake(port, "-tls1_2");
        assertThat(tls12.established()).as(tls12.output()).isTrue();
        assertThat(tls12.cipher()).startsWith("ECDHE-").contains("GCM");
    }

    @Test
    void tls11AndTls10HandshakesAreRefused() throws Exception {
        for (String old : new String[] { "-tls1_1", "-tls1" }) {
            TlsProbe.Result r = TlsProbe.handshake(port, old);
            assertThat(r.offered()).as("the client offered " + old + ": " + r.output()).isTrue();
            assertThat(r.established()).as(old + " refused: " + r.output()).isFalse();
        }
    }

    @Test
    void tls12WithoutForwardSecrecyOrWithCbcIsRefused() throws Exception {
        for (String weak : new String[] { "AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA256" }) {
            TlsProbe.Result r = TlsProbe.handshake(port, "-tls1_2", "-cipher", weak);
            assertThat(r.offered()).as("the client offered " + weak + ": " + r.output()).isTrue();
            assertThat(r.established()).as(weak + " refused: " + r.output()).isFalse();
        }
    }
}
