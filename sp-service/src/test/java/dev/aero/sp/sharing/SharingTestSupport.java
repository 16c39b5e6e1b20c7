package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;

import org.springframework.test.context.TestPropertySource;

import dev.aero.sp.SpTestSupport;
import tools.jackson.databind.JsonNode;

/**
 * Raw REST calls for the sharing tests, as signed-in users. These classes sign up many users
 * from one address, so the sign-up and sign-in limits are raised for them.
 */
@TestPropertySource(properties = { "aero.sp.rate-limits.sign-up-per-address=1000/1h",
        "aero.sp.rate-limits.sign-in-per-address=1000/1h" })
abstract class SharingTestSupport extends SpTestSupport {

    /** A signed-in user and its bearer token. */
    record User(String email, String token) { }

    User user(String who) {
        Account account = member(who);
        return new User(account.email(), anonymous().signIn(account.email(), PASSWORD).token());
    }

    User adminUser() {
        Account admin = admin();
        return new User(admin.email(), anonymous().signIn(admin.email(), PASSWORD).token());
    }

    HttpResponse<String> call(User who, String method, String path, String json) throws Exception {
        return raw(method, "/api/v1" + path, json == null ? null : "application/json", json, who.token());
    }

    JsonNode ok(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    void problem(HttpResponse<String> response, int status, String slug) {
        assertThat(assertProblemResponse(response, status).get("type").asString()).isEqualTo("urn:aero:problem:" + slug);
    }

    String share(User owner, String name) throws Exception {
        return ok(call(owner, "POST", "/shared-folders", "{\"name\":\"" + name + "\"}"), 201).get("sid").asString();
    }

    long epoch(User user) {
        List<Long> e = jdbc.queryForList("SELECT epoch FROM acl_epochs WHERE user_id = ?", Long.class, user.email());
        return e.isEmpty() ? 1 : e.getFirst();
    }
}
