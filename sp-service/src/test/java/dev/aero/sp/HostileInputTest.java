package dev.aero.sp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpApiException;
import tools.jackson.databind.JsonNode;

/** Hostile input gets a 4xx problem+json and changes nothing. */
@SpServiceTest
class HostileInputTest extends SpTestSupport {

    @Test
    void sqlMetacharactersAreDataNotCode() throws Exception {
        Account m = member("sqli");
        int users = count("users");
        SpApiException e = problem(() -> anonymous().signUp(new SignUp("x' OR '1'='1@example.com", PASSWORD, "A", "B")));
        assertThat(e.status()).isEqualTo(400);
        assertProblem(problem(() -> anonymous().signIn("' OR 1=1 -- @example.com", "' OR '1'='1")), 401, "invalid-credentials");
        String name = "Robert'); DROP TABLE users; --";
        assertThat(m.client().updateName(name, null).firstName()).isEqualTo(name);
        assertThat(count("users")).isEqualTo(users);
        assertThat(jdbc.queryForObject("SELECT first_name FROM users WHERE id = ?", String.class, m.email())).isEqualTo(name);
        HttpResponse<String> path = raw("GET", "/api/v1/devices/1'%20OR%20'1'='1", null, null, token(m));
        assertProblemResponse(path, 400);
    }

    @Test
    void oversizedBodiesGet413() throws Exception {
        int users = count("users");
        String big = "{\"email\":\"big@example.com\",\"password\":\"" + "x".repeat(200_000) + "\",\"first_name\":\"a\",\"last_name\":\"b\"}";
        HttpResponse<String> response = raw("POST", "/api/v1/users", "application/json", big, null);
        assertProblemResponse(response, 413);
        assertThat(count("users")).isEqualTo(users);
    }

    @Test
    void malformedJsonSaysWhere() throws Exception {
        HttpResponse<String> response = raw("POST", "/api/v1/sessions", "application/json", "{\"email\": \"a@b.c\", ", null);
        JsonNode problem = assertProblemResponse(response, 400);
        assertThat(problem.get("type").asString()).isEqualTo("urn:aero:problem:malformed-request");
        HttpResponse<String> wrongShape = raw("POST", "/api/v1/sessions", "application/json", "[1,2,3]", null);
        assertProblemResponse(wrongShape, 400);
    }

    @Test
    void invalidEmailOrMissingFieldsAreRefusedAndNothingIsStored() throws Exception {
        admin();
        int users = count("users");
        for (String email : new String[] { "not-an-email", "a@b", "@example.com", "a b@example.com", ":1", "x".repeat(300) + "@example.com" }) {
            SpApiException e = problem(() -> anonymous().signUp(new SignUp(email, PASSWORD, "A", "B")));
            assertThat(e.status()).as(email).isEqualTo(400);
        }
        HttpResponse<String> missing = raw("POST", "/api/v1/users", "application/json", "{\"email\":\"m@example.com\"}", null);
        JsonNode problem = assertProblemResponse(missing, 400);
        assertThat(problem.get("type").asString()).isEqualTo("urn:aero:problem:validation");
        assertThat(problem.get("errors").toString()).contains("password", "firstName");
        assertThat(count("users")).isEqualTo(users);
    }

    @Test
    void controlCharactersInNamesAreRefused() {
        Account m = member("ctl");
        assertThat(problem(() -> m.client().updateName("bad\u0000name", null)).status()).isEqualTo(400);
        assertThat(problem(() -> m.client().updateName("line\nbreak", null)).status()).isEqualTo(400);
        assertThat(m.client().me().firstName()).isEqualTo("Mel");
    }

    @Test
    void wrongContentTypeGets415() throws Exception {
        HttpResponse<String> response = raw("POST", "/api/v1/sessions", "text/plain", "email=a", null);
        assertProblemResponse(response, 415);
    }

    @Test
    void bogusResetTokensAreRefused() throws Exception {
        HttpResponse<String> response = raw("POST", "/api/v1/password-resets/" + "A".repeat(500), "application/json",
                "{\"new_password\":\"whatever password\"}", null);
        assertProblemResponse(response, 400);
    }

    private String token(Account account) {
        return anonymous().signIn(account.email(), PASSWORD).token();
    }
}
