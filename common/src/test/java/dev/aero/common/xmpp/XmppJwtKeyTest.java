package dev.aero.common.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

class XmppJwtKeyTest {

    private static final String K = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);

    @Test
    void signsHs256WithTheJidAndANumericExpiry() throws Exception {
        XmppJwtKey key = XmppJwtKey.parse("{\"kty\":\"oct\",\"use\":\"sig\",\"k\":\"" + K + "\"}");
        String token = key.sign("0123456789abcdef0123456789abcdef@aero.local", Instant.ofEpochSecond(1_900_000_000L));
        String[] parts = token.split("\\.");
        assertThat(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8)).isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        assertThat(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8))
                .isEqualTo("{\"jid\":\"0123456789abcdef0123456789abcdef@aero.local\",\"exp\":1900000000}");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        assertThat(Base64.getUrlDecoder().decode(parts[2])).isEqualTo(mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void readsAKeySetOfOneAndWritesWhatItReads() {
        XmppJwtKey generated = XmppJwtKey.generate();
        XmppJwtKey again = XmppJwtKey.parse("{\"keys\":[" + generated.toJwk() + "]}");
        Instant exp = Instant.ofEpochSecond(1_900_000_000L);
        assertThat(again.sign("a@b", exp)).isEqualTo(generated.sign("a@b", exp));
        assertThat(XmppJwtKey.generate().sign("a@b", exp)).isNotEqualTo(generated.sign("a@b", exp));
    }

    @Test
    void refusesWhatEjabberdWouldNotUseOrWhatIsTooWeak() {
        assertThatThrownBy(() -> XmppJwtKey.parse("not json")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> XmppJwtKey.parse("{\"kty\":\"RSA\",\"k\":\"" + K + "\"}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> XmppJwtKey.parse("{\"kty\":\"oct\"}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> XmppJwtKey.parse("{\"kty\":\"oct\",\"k\":\"c2hvcnQ\"}")).hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> XmppJwtKey.parse("{\"kty\":\"oct\",\"k\":\"***\"}")).hasMessageContaining("base64url");
        assertThatThrownBy(() -> XmppJwtKey.parse("{\"keys\":[]}")).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> XmppJwtKey.parse("[1]")).isInstanceOf(IllegalArgumentException.class);
    }
}
