package dev.aero.client.sp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.math.BigInteger;
import java.net.URI;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.client.device.TestCa;
import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import tools.jackson.databind.JsonNode;

/** Request shapes and response mapping against a scripted SP on 127.0.0.1. */
class SpClientTest {

    private static final String USER_JSON = """
            {"user_id": "ann@example.com", "first_name": "Ann", "last_name": "Lee",
             "organization_id": "1a2b", "role": "ADMIN",
             "created_at": "2026-03-01T10:15:30Z", "added_later": {"x": 1}}
            """;

    private ScriptedSp sp;
    private SpClient client;

    @BeforeEach
    void start() throws Exception {
        sp = new ScriptedSp();
        client = SpClient.create(sp.baseUrl());
    }

    @AfterEach
    void stop() {
        sp.close();
    }

    @Test
    void signUpSendsSnakeCaseFieldsAndLeavesOutAbsentOnes() throws Exception {
        sp.answerJson(201, USER_JSON);

        User user = client.signUp(new SignUp("ann@example.com", "s3cret pass", "Ann", "Lee"));

        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.rawPath()).isEqualTo("/api/v1/users");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("Authorization")).isNull();
        JsonNode body = request.json();
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("email", "password", "first_name", "last_name");
        assertThat(body.get("first_name").asString()).isEqualTo("Ann");
        assertThat(body.get("last_name").asString()).isEqualTo("Lee");
        assertThat(user).isEqualTo(new User(UserID.of("ann@example.com"), "Ann", "Lee",
                "1a2b", "ADMIN", Instant.parse("2026-03-01T10:15:30Z")));
    }

    @Test
    void signUpWithAnInvitationSendsTheCode() throws Exception {
        sp.answerJson(201, USER_JSON);

        client.signUp(new SignUp("ann@example.com", "pw", "Ann", "Lee", "INV-123", null));

        JsonNode body = sp.lastRequest().json();
        assertThat(body.get("invitation_code").asString()).isEqualTo("INV-123");
        assertThat(body.has("organization_name")).isFalse();
    }

    @Test
    void theFirstAdminsSignUpSendsTheSetupToken() throws Exception {
        sp.answerJson(201, USER_JSON);

        client.signUp(SignUp.firstAdmin("ann@example.com", "pw", "Ann", "Lee", "Ann's Org", "setup-tok"));

        JsonNode body = sp.lastRequest().json();
        assertThat(body.get("setup_token").asString()).isEqualTo("setup-tok");
        assertThat(body.get("organization_name").asString()).isEqualTo("Ann's Org");
        assertThat(body.has("invitation_code")).isFalse();
    }

    @Test
    void aClientWithATokenSendsItAsBearerAndTheOriginalStaysAnonymous() throws Exception {
        sp.answerJson(201, """
                {"token": "tok-abc", "expires_at": "2026-03-02T10:15:30.250+02:00", "user_id": "ann@example.com"}""");
        Session session = client.signIn("Ann@Example.com", "pw");
        ScriptedSp.Request signIn = sp.lastRequest();
        assertThat(signIn.rawPath()).isEqualTo("/api/v1/sessions");
        assertThat(signIn.json().get("email").asString()).isEqualTo("Ann@Example.com");
        assertThat(session.expiresAt()).isEqualTo(Instant.parse("2026-03-02T08:15:30.250Z"));
        assertThat(session.userId()).isEqualTo(UserID.of("ann@example.com"));
        assertThat(session.toString()).doesNotContain("tok-abc");

        sp.answerJson(200, USER_JSON);
        client.withToken(session.token()).me();
        ScriptedSp.Request me = sp.lastRequest();
        assertThat(me.method()).isEqualTo("GET");
        assertThat(me.rawPath()).isEqualTo("/api/v1/users/me");
        assertThat(me.header("Authorization")).isEqualTo("Bearer tok-abc");
        assertThat(me.body()).isEmpty();

        sp.answerNoContent();
        client.signOut();
        assertThat(sp.lastRequest().header("Authorization")).isNull();
    }

    @Test
    void updateNameLeavesOutTheUnchangedName() throws Exception {
        sp.answerJson(200, USER_JSON);

        client.withToken("t").updateName(null, "Lee-Smith");

        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.method()).isEqualTo("PATCH");
        assertThat(request.json().propertyNames()).containsExactly("last_name");
    }

    @Test
    void emailsInPathsArePercentEncoded() throws Exception {
        sp.answerJson(200, """
                {"user_id": "ann+ops@example.com", "first_name": "Ann", "last_name": "Lee", "role": "ADMIN", "active": true}""");

        Member member = client.withToken("t").setRole("ann+ops@example.com", "ADMIN");

        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.method()).isEqualTo("PUT");
        assertThat(request.rawPath()).isEqualTo("/api/v1/organizations/me/members/ann%2Bops%40example.com/role");
        assertThat(request.json().propertyNames()).containsExactly("role");
        assertThat(member).isEqualTo(new Member(UserID.of("ann+ops@example.com"), "Ann", "Lee", "ADMIN", true));
    }

    @Test
    void deactivateSendsEraseDevices() throws Exception {
        sp.answerJson(200, """
                {"user_id": "bob@example.com", "first_name": "Bob", "last_name": "Ray", "role": "USER", "active": false}""");

        Member member = client.withToken("t").deactivate("bob@example.com", true);

        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/api/v1/organizations/me/members/bob%40example.com/deactivate");
        assertThat(request.json().get("erase_devices").asBoolean()).isTrue();
        assertThat(member.active()).isFalse();
    }

    @Test
    void resetTokensAreEncodedAsOnePathSegment() throws Exception {
        sp.answerNoContent();

        client.resetPassword("a/b c?d", "new pw");

        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/api/v1/password-resets/a%2Fb%20c%3Fd");
        assertThat(request.json().get("new_password").asString()).isEqualTo("new pw");
    }

    @Test
    void membersAndInvitationsAreUnwrapped() throws Exception {
        sp.answerJson(200, """
                {"members": [
                  {"user_id": "ann@example.com", "first_name": "Ann", "last_name": "Lee", "role": "ADMIN", "active": true},
                  {"user_id": "bob@example.com", "first_name": "Bob", "last_name": "Ray", "role": "USER", "active": false}]}""");
        List<Member> members = client.withToken("t").members();
        assertThat(members).extracting(Member::userId).containsExactly(UserID.of("ann@example.com"), UserID.of("bob@example.com"));
        assertThat(sp.lastRequest().rawPath()).isEqualTo("/api/v1/organizations/me/members");

        sp.answerJson(201, """
                {"email": "carl@example.com", "invitation_code": "XYZ", "expires_at": "2026-03-08T00:00:00Z"}""");
        Invitation invitation = client.withToken("t").invite("carl@example.com");
        assertThat(invitation).isEqualTo(new Invitation("carl@example.com", "XYZ", Instant.parse("2026-03-08T00:00:00Z")));
        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/api/v1/organizations/me/invitations");
        assertThat(request.json().propertyNames()).containsExactly("email");
    }

    @Test
    void registerDeviceSendsTheCsrAndReturnsTheCertificates() throws Exception {
        DID did = DID.random();
        sp.answerJson(201, """
                {"device_id": "%s", "certificate": "CERT", "ca_certificate": "CA"}""".formatted(did.hex()));

        DeviceCertificate issued = client.withToken("t").registerDevice(new RegisterDevice("CSR", "laptop", "Linux", "Debian 13"));

        JsonNode body = sp.lastRequest().json();
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("csr", "device_name", "os_family", "os_name");
        assertThat(body.get("os_name").asString()).isEqualTo("Debian 13");
        assertThat(issued).isEqualTo(new DeviceCertificate(did, "CERT", "CA"));

        sp.answerJson(201, """
                {"device_id": "%s", "user_id": ":1a2b", "certificate": "C", "ca_certificate": "CA"}"""
                .formatted(did.hex()));
        TeamServerCertificate teamServer = client.withToken("t").registerTeamServer(new RegisterDevice("CSR", "ts", "Linux", "Ubuntu", did));
        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/api/v1/teamservers");
        assertThat(request.json().get("device_id").asString()).isEqualTo(did.hex());
        assertThat(teamServer.userId().isTeamServer()).isTrue();
    }

    @Test
    void devicesMapTimestampsAndTheNullableDevmanState() throws Exception {
        DID seen = DID.random();
        DID unknown = DID.random();
        sp.answerJson(200, """
                {"devices": [
                  {"device_id": "%s", "owner": "ann@example.com", "name": "laptop", "os_family": "Linux", "os_name": "Debian",
                   "registered_at": "2026-01-01T00:00:00Z", "certificate_serial": "123456789012345678901234567890",
                   "certificate_expires_at": "2027-01-01T00:00:00+01:00", "last_seen_time": "2026-03-01T12:00:00.5Z",
                   "online": true, "online_via": ["verkehr", "zephyr"]},
                  {"device_id": "%s", "owner": "ann@example.com", "name": "phone", "os_family": "Android", "os_name": "16",
                   "registered_at": "2026-01-02T00:00:00Z", "certificate_serial": "7",
                   "certificate_expires_at": "2027-01-02T00:00:00Z", "last_seen_time": null, "online": null}]}
                """.formatted(seen.hex(), unknown.hex()));

        List<Device> devices = client.withToken("t").devices();

        assertThat(sp.lastRequest().rawPath()).isEqualTo("/api/v1/users/me/devices");
        assertThat(devices.get(0)).isEqualTo(new Device(seen, UserID.of("ann@example.com"), "laptop", "Linux", "Debian",
                Instant.parse("2026-01-01T00:00:00Z"), "123456789012345678901234567890", Instant.parse("2026-12-31T23:00:00Z"),
                Instant.parse("2026-03-01T12:00:00.500Z"), true, List.of("verkehr", "zephyr")));
        Device phone = devices.get(1);
        assertThat(phone.deviceId()).isEqualTo(unknown);
        assertThat(phone.lastSeenTime()).isNull();
        assertThat(phone.online()).isNull();
        assertThat(phone.onlineVia()).isNull();
    }

    @Test
    void renameAndUnlinkAddressTheDeviceById() throws Exception {
        DID did = DID.random();
        sp.answerJson(200, """
                {"device_id": "%s", "owner": "ann@example.com", "name": "work laptop", "os_family": "Linux", "os_name": "Debian",
                 "registered_at": "2026-01-01T00:00:00Z", "certificate_serial": "1", "certificate_expires_at": "2027-01-01T00:00:00Z"}
                """.formatted(did.hex()));
        Device renamed = client.withToken("t").renameDevice(did, "work laptop");
        ScriptedSp.Request rename = sp.lastRequest();
        assertThat(rename.method()).isEqualTo("PATCH");
        assertThat(rename.rawPath()).isEqualTo("/api/v1/devices/" + did.hex());
        assertThat(rename.json().get("name").asString()).isEqualTo("work laptop");
        assertThat(renamed.name()).isEqualTo("work laptop");

        sp.answerNoContent();
        client.withToken("t").unlinkDevice(did, true);
        ScriptedSp.Request unlink = sp.lastRequest();
        assertThat(unlink.method()).isEqualTo("DELETE");
        assertThat(unlink.rawPath()).isEqualTo("/api/v1/devices/" + did.hex());
        assertThat(unlink.rawQuery()).isEqualTo("wipe=true");
    }

    @Test
    void auditEventsSendOnlyTheGivenQueryParameters() throws Exception {
        sp.answerJson(200, """
                {"events": [{"id": 41, "type": "SIGN_IN_FAILED", "actor": "ann@example.com", "target": null,
                             "client_address": "10.0.0.7", "occurred_at": "2026-03-01T10:00:00Z",
                             "details": {"reason": "bad password", "attempt": 3}}],
                 "next_before": 41}""");
        AuditPage page = client.withToken("t").auditEvents(50, 1234L);
        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/api/v1/audit-events");
        assertThat(request.rawQuery()).isEqualTo("limit=50&before=1234");
        assertThat(page.nextBefore()).isEqualTo(41L);
        AuditEvent event = page.events().get(0);
        assertThat(event.clientAddress()).isEqualTo("10.0.0.7");
        assertThat(event.occurredAt()).isEqualTo(Instant.parse("2026-03-01T10:00:00Z"));
        assertThat(event.target()).isNull();
        assertThat(event.details()).containsExactly(entry("reason", "bad password"), entry("attempt", 3));

        sp.answerJson(200, """
                {"events": [], "next_before": null}""");
        AuditPage last = client.withToken("t").auditEvents(null, null);
        assertThat(sp.lastRequest().rawQuery()).isNull();
        assertThat(last.events()).isEmpty();
        assertThat(last.nextBefore()).isNull();

        sp.answerJson(200, """
                {"events": []}""");
        client.withToken("t").auditEvents(null, 99L);
        assertThat(sp.lastRequest().rawQuery()).isEqualTo("before=99");
    }

    @Test
    void problemJsonBecomesAnApiExceptionWithTypeDetailAndProperties() throws Exception {
        sp.answer(429, "application/problem+json", """
                {"type": "urn:aero:problem:rate-limited", "title": "Too Many Requests", "status": 429,
                 "detail": "too many sign-in attempts", "retry_after_seconds": 30}""");

        assertThatThrownBy(() -> client.signIn("ann@example.com", "wrong"))
                .isInstanceOfSatisfying(SpApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.type()).isEqualTo("urn:aero:problem:rate-limited");
                    assertThat(e.title()).isEqualTo("Too Many Requests");
                    assertThat(e.detail()).isEqualTo("too many sign-in attempts");
                    assertThat(e.properties()).containsEntry("retry_after_seconds", 30).containsEntry("status", 429);
                    assertThat(e.getMessage()).contains("429", "urn:aero:problem:rate-limited", "too many sign-in attempts");
                });
    }

    @Test
    void aNonJsonServerErrorKeepsTheRawTextAsDetail() throws Exception {
        sp.answer(500, "text/html", "<html><body>Bad Gateway</body></html>");

        assertThatThrownBy(() -> client.withToken("t").organization())
                .isInstanceOfSatisfying(SpApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.type()).isNull();
                    assertThat(e.title()).isNull();
                    assertThat(e.detail()).isEqualTo("<html><body>Bad Gateway</body></html>");
                    assertThat(e.properties()).isEmpty();
                });
    }

    @Test
    void caCertificateAndCrlComeBackAsSent() throws Exception {
        TestCa ca = TestCa.create("platform CA");
        sp.answer(200, "application/x-pem-file", ca.certificatePem());
        assertThat(client.caCertificatePem()).isEqualTo(ca.certificatePem());
        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/api/v1/ca/certificate");
        assertThat(request.header("Accept")).contains("application/x-pem-file");

        X509CRL crl = ca.crlRevoking(BigInteger.valueOf(77));
        sp.answer(200, "application/pkix-crl", crl.getEncoded());
        assertThat(client.crl()).isEqualTo(crl.getEncoded());
        assertThat(sp.lastRequest().rawPath()).isEqualTo("/api/v1/ca/crl");
        X509CRL parsed = client.parsedCrl();
        parsed.verify(ca.certificate().getPublicKey());
        assertThat(parsed.getRevokedCertificate(BigInteger.valueOf(77))).isNotNull();
    }

    @Test
    void noServerIsATransportError() {
        SpClient nowhere = SpClient.create(sp.baseUrl());
        sp.close();

        assertThatThrownBy(nowhere::me).isInstanceOf(SpTransportException.class).hasMessageContaining("GET /users/me");
    }

    @Test
    void interruptionThrowsAndKeepsTheInterruptFlag() {
        sp.answerJson(200, USER_JSON);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(client::me).isInstanceOf(SpTransportException.class).hasMessageContaining("interrupted");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aBaseUrlWithATrailingSlashOrPrefixKeepsItsPath() throws Exception {
        sp.answerNoContent();
        SpClient prefixed = SpClient.create(URI.create(sp.baseUrl() + "/sp/"));

        prefixed.requestPasswordReset("ann@example.com");

        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/sp/api/v1/password-resets");
        assertThat(request.json().propertyNames()).containsExactly("email");
    }

    @Test
    void changePasswordSendsOldAndNew() throws Exception {
        sp.answerNoContent();

        client.withToken("t").changePassword("old", "new");

        ScriptedSp.Request request = sp.lastRequest();
        assertThat(request.rawPath()).isEqualTo("/api/v1/users/me/password");
        assertThat(request.json().get("old_password").asString()).isEqualTo("old");
        assertThat(request.json().get("new_password").asString()).isEqualTo("new");
    }
}
