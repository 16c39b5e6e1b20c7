package dev.aero.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.sasl.SASLErrorException;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.iqregister.AccountManager;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Localpart;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.common.id.DID;
import dev.aero.common.testing.TestEjabberd;
import dev.aero.common.xmpp.XmppJwtKey;

/**
 * ejabberd as the launcher configures it (deploy/native/ejabberd.yml.in): devices sign in with
 * SP's JWTs over TLS and nothing else gets in.
 */
class EjabberdAuthenticationTest {

    private TestEjabberd ejabberd;

    @BeforeEach
    void node() {
        ejabberd = TestEjabberd.get();
    }

    private String jid(DID did) {
        return did.hex() + "@" + ejabberd.domain();
    }

    private void assertLoginRefused(String user, String password) throws Exception {
        XMPPTCPConnection c = XmppConnections.to(ejabberd, user, password);
        try {
            c.connect();
            assertThatThrownBy(c::login).isInstanceOf(SASLErrorException.class);
            assertThat(c.isAuthenticated()).isFalse();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void aFreshTokenSignsTheDeviceInOverTls() throws Exception {
        DID did = DID.random();
        XMPPTCPConnection c = XmppConnections.to(ejabberd, did.hex(), ejabberd.jwtKey().sign(jid(did), Instant.now().plusSeconds(300)));
        try {
            c.connect().login();
            assertThat(c.isAuthenticated()).isTrue();
            assertThat(c.isSecureConnection()).isTrue();
            assertThat(c.getUser().asBareJid().toString()).isEqualTo(jid(did));
        } finally {
            c.disconnect();
        }
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        DID did = DID.random();
        assertLoginRefused(did.hex(), ejabberd.jwtKey().sign(jid(did), Instant.now().minusSeconds(5)));
    }

    @Test
    void aTokenForAnotherDeviceIsRefused() throws Exception {
        DID did = DID.random();
        assertLoginRefused(did.hex(), ejabberd.jwtKey().sign(jid(DID.random()), Instant.now().plusSeconds(300)));
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() throws Exception {
        DID did = DID.random();
        assertLoginRefused(did.hex(), XmppJwtKey.generate().sign(jid(did), Instant.now().plusSeconds(300)));
    }

    @Test
    void anUnsignedTokenIsRefused() throws Exception {
        DID did = DID.random();
        long exp = Instant.now().plusSeconds(300).getEpochSecond();
        assertLoginRefused(did.hex(), XmppConnections.unsigned("{\"alg\":\"none\",\"typ\":\"JWT\"}",
                "{\"jid\":\"" + jid(did) + "\",\"exp\":" + exp + "}"));
    }

    @Test
    void aDeviceCannotSignInWithAPassword() throws Exception {
        // The only password account is the bridge's; its password opens no other account.
        assertLoginRefused(DID.random().hex(), ejabberd.bridgePassword());
        assertLoginRefused(DID.random().hex(), "password");
    }

    @Test
    void theBridgeSignsInWithItsPasswordAndNothingElse() throws Exception {
        XMPPTCPConnection c = XmppConnections.to(ejabberd, ejabberd.bridgeUser(), ejabberd.bridgePassword());
        try {
            c.connect().login();
            assertThat(c.isAuthenticated()).isTrue();
        } finally {
            c.disconnect();
        }
        assertLoginRefused(ejabberd.bridgeUser(), ejabberd.bridgePassword() + "x");
    }

    @Test
    void nothingSignsInWithoutTls() throws Exception {
        DID did = DID.random();
        XMPPTCPConnection c = XmppConnections.to(ejabberd, did.hex(), ejabberd.jwtKey().sign(jid(did), Instant.now().plusSeconds(300)),
                SecurityMode.disabled);
        try {
            assertThatThrownBy(() -> c.connect().login()).isInstanceOfAny(XMPPException.class, SmackException.class);
            assertThat(c.isAuthenticated()).isFalse();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void inBandRegistrationIsOff() throws Exception {
        XMPPTCPConnection c = XmppConnections.to(ejabberd, null, null);
        try {
            c.connect();
            AccountManager accounts = AccountManager.getInstance(c);
            accounts.sensitiveOperationOverInsecureConnection(false);
            assertThatThrownBy(() -> accounts.createAccount(Localpart.from("intruder" + DID.random().hex().substring(0, 8)), "password"))
                    .isInstanceOfAny(XMPPException.class, SmackException.class);
        } finally {
            c.disconnect();
        }
    }

    @Test
    void anonymousSignInIsOff() throws Exception {
        XMPPTCPConnection c = XmppConnections.anonymous(ejabberd);
        try {
            c.connect();
            assertThatThrownBy(c::login).isInstanceOfAny(XMPPException.class, SmackException.class);
            assertThat(c.isAuthenticated()).isFalse();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void aDeviceCannotCreateARoom() throws Exception {
        DID did = DID.random();
        XMPPTCPConnection c = XmppConnections.to(ejabberd, did.hex(), ejabberd.jwtKey().sign(jid(did), Instant.now().plusSeconds(300)));
        try {
            c.connect().login();
            var room = MultiUserChatManager.getInstanceFor(c)
                    .getMultiUserChat(JidCreate.entityBareFrom(DID.random().hex() + "@" + ejabberd.mucService()));
            assertThatThrownBy(() -> room.create(Resourcepart.from(did.hex()))).isInstanceOf(XMPPException.XMPPErrorException.class);
            assertThat(room.isJoined()).isFalse();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void theAdminApiAnswersTheBridgeAloneAndOnlyForItsCommands() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String bridge = basic(ejabberd.bridgeJid(), ejabberd.bridgePassword());
        assertThat(api(http, "muc_online_rooms", "{\"service\":\"" + ejabberd.mucService() + "\"}", bridge).statusCode()).isEqualTo(200);
        assertThat(api(http, "muc_online_rooms", "{\"service\":\"" + ejabberd.mucService() + "\"}", null).statusCode()).isIn(401, 403);
        assertThat(api(http, "muc_online_rooms", "{\"service\":\"" + ejabberd.mucService() + "\"}",
                basic(ejabberd.bridgeJid(), "wrong")).statusCode()).isIn(401, 403);
        DID did = DID.random();
        String device = basic(jid(did), ejabberd.jwtKey().sign(jid(did), Instant.now().plusSeconds(300)));
        assertThat(api(http, "muc_online_rooms", "{\"service\":\"" + ejabberd.mucService() + "\"}", device).statusCode()).isIn(401, 403);
        // Commands the bridge does not use are not open to it either.
        assertThat(api(http, "registered_users", "{\"host\":\"" + ejabberd.domain() + "\"}", bridge).statusCode()).isIn(401, 403);
        assertThat(api(http, "register", "{\"user\":\"x" + did.hex().substring(0, 8) + "\",\"host\":\"" + ejabberd.domain()
                + "\",\"password\":\"p\"}", bridge).statusCode()).isIn(401, 403);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> api(HttpClient http, String command, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(ejabberd.apiUrl() + "/" + command)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
