package dev.aero.sp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.TestInstance;
import org.springframework.test.context.TestPropertySource;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.aero.client.sp.SignUp;
import tools.jackson.databind.JsonNode;

/**
 * SP's public API on any JSON body: the fuzzer picks an endpoint that takes one (sign-up,
 * sign-in, password reset, and, with an admin's session, renaming, devices, invitations, roles,
 * groups and shared folders) and the body's bytes, sent over HTTP to the started service. Every
 * answer is a success or a 4xx {@code application/problem+json} with a {@code type}, never a 5xx.
 * Rate limits are off here, or a 429 would soon answer everything.
 *
 * <p>One instance per input, not per class as in {@link SpTestSupport}: so the application starts
 * after Jazzer's agent is in place and its classes are instrumented as they load. Classes loaded
 * before are retransformed, and on JDK 25 reading the components of a retransformed record (as
 * Jackson does for every request body) crashes the JVM.
 *
 * <p>Input: the body's bytes, then one byte at the end that picks the endpoint (its index modulo
 * {@link #ENDPOINTS}' size; inputs name the endpoint).
 */
@SpServiceTest
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
@TestPropertySource(properties = {
        "aero.sp.rate-limits.sign-in-per-account=0/1m", "aero.sp.rate-limits.sign-in-per-address=0/1m",
        "aero.sp.rate-limits.password-reset-per-account=0/1m", "aero.sp.rate-limits.password-reset-per-address=0/1m",
        "aero.sp.rate-limits.sign-up-per-address=0/1m", "aero.sp.rate-limits.password-change-per-account=0/1m",
        "aero.sp.rate-limits.invitations-per-user=0/1m", "aero.sp.rate-limits.device-registrations-per-user=0/1m" })
class JsonBodiesFuzzTest extends SpTestSupport {

    /** The fixed accounts the committed inputs name. */
    static final String ADMIN = "admin@fuzz.example";
    static final String MEMBER = "member@fuzz.example";
    /** The member whose role and deactivation are fuzzed, so that {@link #MEMBER} stays active. */
    static final String BYSTANDER = "bystander@fuzz.example";

    /** {DID}, {SID}, {GROUP}, {MEMBER} and {BYSTANDER} are filled in with what {@link #setUp} made. */
    record Endpoint(String method, String path, boolean signedIn) {
    }

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("POST", "/api/v1/users", false),
            new Endpoint("POST", "/api/v1/sessions", false),
            new Endpoint("POST", "/api/v1/password-resets", false),
            new Endpoint("POST", "/api/v1/password-resets/bogus-token", false),
            new Endpoint("PATCH", "/api/v1/users/me", true),
            new Endpoint("POST", "/api/v1/users/me/password", true),
            new Endpoint("POST", "/api/v1/devices", true),
            new Endpoint("POST", "/api/v1/teamservers", true),
            new Endpoint("PATCH", "/api/v1/devices/{DID}", true),
            new Endpoint("POST", "/api/v1/devices/{DID}/logs-request", true),
            new Endpoint("POST", "/api/v1/organizations/me/invitations", true),
            new Endpoint("PUT", "/api/v1/organizations/me/members/{BYSTANDER}/role", true),
            new Endpoint("POST", "/api/v1/organizations/me/members/{BYSTANDER}/deactivate", true),
            new Endpoint("POST", "/api/v1/groups", true),
            new Endpoint("POST", "/api/v1/groups/{GROUP}/members", true),
            new Endpoint("POST", "/api/v1/shared-folders", true),
            new Endpoint("PATCH", "/api/v1/shared-folders/{SID}", true),
            new Endpoint("POST", "/api/v1/shared-folders/{SID}/members", true),
            new Endpoint("PUT", "/api/v1/shared-folders/{SID}/members/{MEMBER}", true),
            new Endpoint("POST", "/api/v1/shared-folders/{SID}/groups", true));

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    // Made once for the class by the first input (the application is shared between instances).
    private static String token;
    private static String did;
    private static String sid;
    private static long group;

    private void setUp() {
        if (token != null) {
            return;
        }
        anonymous().signUp(SignUp.firstAdmin(ADMIN, PASSWORD, "Ada", "Admin", "Fuzz Org", setupToken()));
        Account admin = signIn(ADMIN, PASSWORD);
        String session = anonymous().signIn(ADMIN, PASSWORD).token();
        String code = admin.client().invite(MEMBER).invitationCode();
        anonymous().signUp(new SignUp(MEMBER, PASSWORD, "Mel", "Member", code, null));
        code = admin.client().invite(BYSTANDER).invitationCode();
        anonymous().signUp(new SignUp(BYSTANDER, PASSWORD, "Bea", "Bystander", code, null));
        did = register(admin).id().hex();
        sid = admin.client().createSharedFolder("fuzzed", null).sid().hex();
        group = admin.client().createGroup("fuzzers").groupId();
        token = session;
    }

    @FuzzTest(maxDuration = "10s")
    void jsonBodiesGetAnAnswerOrAProblem(FuzzedDataProvider data) throws Exception {
        setUp();
        Endpoint endpoint = data.pickValue(ENDPOINTS);
        byte[] body = data.consumeRemainingAsBytes();
        String path = endpoint.path().replace("{DID}", did).replace("{SID}", sid)
                .replace("{GROUP}", Long.toString(group)).replace("{MEMBER}", MEMBER).replace("{BYSTANDER}", BYSTANDER);
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl().resolve(path)).timeout(Duration.ofSeconds(20))
                .method(endpoint.method(), HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json");
        if (endpoint.signedIn()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String what = endpoint.method() + " " + endpoint.path() + " " + response.statusCode() + " " + response.body();
        assertThat(response.statusCode()).as(what).isBetween(200, 499);
        if (response.statusCode() >= 400) {
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.path("type").isString()).as(what).isTrue();
            assertThat(problem.path("type").asString()).as(what).startsWith("urn:aero:problem:");
            assertThat(problem.path("status").asInt()).as(what).isEqualTo(response.statusCode());
        }
    }
}
