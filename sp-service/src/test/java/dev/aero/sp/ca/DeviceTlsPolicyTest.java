package dev.aero.sp.ca;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import dev.aero.common.testing.TlsProbe;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

/**
 * SP's device HTTPS listener, seen by OpenSSL: TLS 1.3 first, TLS 1.2 with forward-secret AEAD
 * ciphers only, nothing older (the same connector serves command-server's and devman's devices).
 */
@SpServiceTest
class DeviceTlsPolicyTest extends SpTestSupport {

    @Autowired
    DeviceTlsListener listener;

    @Test
    void tls13IsPreferredAndTls12WithAnAeadCipherIsTaken() throws Exception {
        TlsProbe.Result best = TlsProbe.handshake(listener.localPort());
        assertThat(best.established()).as(best.output()).isTrue();
        assertThat(best.protocol()).isEqualTo("TLSv1.3");
        TlsProbe.Result tls12 = TlsProbe.handshake(listener.localPort(), "-tls1_2");
        assertThat(tls12.established()).as(tls12.output()).isTrue();
        assertThat(tls12.cipher()).startsWith("ECDHE-").contains("GCM");
    }

    @Test
    void tls11HandshakesAreRefused() throws Exception {
        for (String old : new String[] { "-tls1_1", "-tls1" }) {
            TlsProbe.Result r = TlsProbe.handshake(listener.localPort(), old);
            assertThat(r.offered()).as("the client offered " + old + ": " + r.output()).isTrue();
            assertThat(r.established()).as(old + " refused: " + r.output()).isFalse();
        }
    }

    @Test
    void tls12WithoutForwardSecrecyOrWithCbcIsRefused() throws Exception {
        for (String weak : new String[] { "AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA256" }) {
            TlsProbe.Result r = TlsProbe.handshake(listener.localPort(), "-tls1_2", "-cipher", weak);
            assertThat(r.offered()).as("the client offered " + weak + ": " + r.output()).isTrue();
            assertThat(r.established()).as(weak + " refused: " + r.output()).isFalse();
        }
    }
}
