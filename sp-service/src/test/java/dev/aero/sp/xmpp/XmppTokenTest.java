package dev.aero.sp.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.JsonNode;

import dev.aero.client.sp.SpClient;
import dev.aero.client.sp.XmppToken;
import dev.aero.common.xmpp.XmppJwtKey;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import dev.aero.sp.ca.DeviceTlsListener;

/** {@code POST /devices/{did}/xmpp-token}: what a device signs in to ejabberd with. */
@SpServiceTest
@TestPropertySource(properties = { "aero.sp.xmpp.domain=xmpp.example.test", "aero.sp.xmpp.host=chat.example.test",
        "aero.sp.xmpp.port=15222", "aero.sp.xmpp.token-lifetime=4m", "aero.sp.xmpp.tokens-per-device=3/1m" })
class XmppTokenTest extends SpTestSupport {

    private static final Path KEY_FILE = keyFile();
    private static final XmppJwtKey KEY = XmppJwtKey.generate();

    @Autowired
    DeviceTlsListener listener;

    private static Path keyFile() {
        try {
            return Files.createTempFile("xmpp-jwt", ".jwk");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void key(DynamicPropertyRegistry registry) throws Exception {
        Files.writeString(KEY_FILE, KEY.toJwk());
        registry.add("aero.sp.xmpp.jwt-key-file", KEY_FILE::toString);
    }

    @AfterAll
    static void removeKey() throws Exception {
        Files.deleteIfExists(KEY_FILE);
    }

    private SpClient asDevice(RegisteredDevice device) {
        return SpClient.builder(URI.create("https://127.0.0.1:" + listener.localPort()))
                .sslContext(device.keys().sslContext(device.certificate().certificate(), device.certificate().caCertificate())).build();
    }

    @Test
    void theTokenAnswerIsNeverStoredAndTheTlsListenerSendsHsts() throws Exception {
        RegisteredDevice device = register(member("xmpp-headers"));
        java.net.http.HttpClient tls = java.net.http.HttpClient.newBuilder()
                .sslContext(device.keys().sslContext(device.certificate().certificate(), device.certificate().caCertificate())).build();
        java.net.http.HttpResponse<String> r = tls.send(java.net.http.HttpRequest.newBuilder(URI.create("https://127.0.0.1:"
                + listener.localPort() + "/api/v1/devices/" + device.id().hex() + "/xmpp-token"))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"token\"");
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.headers().firstValue("Strict-Transport-Security")).contains("max-age=31536000");
    }

    @Test
    void aDeviceGetsASignedShortLivedTokenForItsOwnJid() throws Exception {
        RegisteredDevice device = register(member("xmpp-token"));
        Instant before = Instant.now();
        XmppToken token = asDevice(device).xmppToken(device.id());

        String jid = device.id().hex() + "@xmpp.example.test";
        assertThat(token.jid()).isEqualTo(jid);
        assertThat(token.host()).isEqualTo("chat.example.test");
        assertThat(token.port()).isEqualTo(15222);
        assertThat(token.domain()).isEqualTo("xmpp.example.test");
        assertThat(token.mucService()).isEqualTo("c.xmpp.example.test");
        assertThat(token.expiresAt()).isBetween(before.plusSeconds(239), before.plusSeconds(241));

        String[] parts = token.token().split("\\.");
        assertThat(parts).hasSize(3);
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        assertThat(header.get("alg").asString()).isEqualTo("HS256");
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(claims.get("jid").asString()).isEqualTo(jid);
        // A number: ejabberd never expires a token whose exp is a string.
        assertThat(claims.get("exp").isNumber()).isTrue();
        assertThat(claims.get("exp").asLong()).isEqualTo(token.expiresAt().getEpochSecond());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getUrlDecoder().decode(JSON.readTree(KEY.toJwk()).get("k").asString()), "HmacSHA256"));
        byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(Base64.getUrlDecoder().decode(parts[2])).isEqualTo(expected);
    }

    @Test
    void aDeviceCannotGetATokenForAnotherDevice() {
        Account owner = member("xmpp-other");
        RegisteredDevice mine = register(owner);
        RegisteredDevice sibling = register(owner);
        assertProblem(problem(() -> asDevice(mine).xmppToken(sibling.id())), 403, "device-mismatch");
    }

    @Test
    void aUserTokenIsNotADeviceCertificate() {
        Account owner = member("xmpp-user");
        RegisteredDevice device = register(owner);
        assertProblem(problem(() -> owner.client().xmppToken(device.id())), 401, "certificate-required");
    }

    @Test
    void tokensAreRateLimitedPerDevice() {
        RegisteredDevice device = register(member("xmpp-flood"));
        SpClient client = asDevice(device);
        for (int i = 0; i < 3; i++) {
            assertThat(client.xmppToken(device.id()).token()).isNotBlank();
        }
        assertProblem(problem(() -> client.xmppToken(device.id())), 429, "rate-limited");
        // Another device is not held back by this one.
        RegisteredDevice other = register(member("xmpp-calm"));
        assertThat(asDevice(other).xmppToken(other.id()).token()).isNotBlank();
    }

    @Test
    void aRotatedKeyIsUsedWithoutARestartAndABrokenOneStopsIssuing() throws Exception {
        RegisteredDevice device = register(member("xmpp-rotate"));
        XmppJwtKey next = XmppJwtKey.generate();
        try {
            Files.writeString(KEY_FILE, "{\"kty\":\"oct\"}");
            Files.setLastModifiedTime(KEY_FILE, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
            assertProblem(problem(() -> asDevice(device).xmppToken(device.id())), 503, "xmpp-unavailable");

            Files.writeString(KEY_FILE, next.toJwk());
            Files.setLastModifiedTime(KEY_FILE, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(10)));
            XmppToken token = asDevice(device).xmppToken(device.id());
            assertThat(token.token()).isEqualTo(next.sign(token.jid(), token.expiresAt()));
        } finally {
            Files.writeString(KEY_FILE, KEY.toJwk());
            Files.setLastModifiedTime(KEY_FILE, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(15)));
        }
    }
}
