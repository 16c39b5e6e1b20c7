package dev.aero.sp.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

/**
 * The caller is authenticated, and an admin-only operation's caller found an admin, before the
 * request body is read: a caller without the right gets 401/403 whatever the body, never the
 * validation errors of an operation it may not use.
 */
@SpServiceTest
class AuthenticateFirstTest extends SpTestSupport {

    private static final String INVALID = "{\"name\": \"\"}";

    @Test
    void anAdminOnlyOperationRefusesANonAdminBeforeItValidatesTheBody() throws Exception {
        String member = anonymous().signIn(member("plain").email(), PASSWORD).token();
        String admin = anonymous().signIn(admin().email(), PASSWORD).token();

        HttpResponse<String> nobody = raw("POST", "/api/v1/groups", "application/json", INVALID, null);
        assertThat(nobody.statusCode()).as(nobody.body()).isEqualTo(401);

        HttpResponse<String> nonAdmin = raw("POST", "/api/v1/groups", "application/json", INVALID, member);
        assertThat(nonAdmin.statusCode()).as(nonAdmin.body()).isEqualTo(403);
        assertThat(JSON.readTree(nonAdmin.body()).path("type").asString()).isEqualTo("urn:aero:problem:admin-required");
        HttpResponse<String> nonAdminGarbage = raw("POST", "/api/v1/groups", "application/json", "{not json", member);
        assertThat(nonAdminGarbage.statusCode()).as(nonAdminGarbage.body()).isEqualTo(403);

        HttpResponse<String> byAdmin = raw("POST", "/api/v1/groups", "application/json", INVALID, admin);
        assertThat(byAdmin.statusCode()).as(byAdmin.body()).isEqualTo(400);
        assertThat(JSON.readTree(byAdmin.body()).path("type").asString()).isEqualTo("urn:aero:problem:folder-name-invalid");
    }

    @Test
    void aWrongTokenIsRefusedBeforeTheBodyIsRead() throws Exception {
        HttpResponse<String> r = raw("PATCH", "/api/v1/users/me", "application/json", "{not json", "not-a-session-token");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    }
}
