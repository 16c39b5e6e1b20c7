package dev.aero.common.webtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Every kind of bad request reaches the caller as problem+json with a stable type. */
@SpringBootTest(classes = ProblemTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "logging.level.dev.aero.common.web=OFF")
class ProblemHandlingTest {

    private static final String DEVICE = "00112233445566778899aabbccddeeff";
    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    record Reply(int status, String contentType, JsonNode body, String raw) {
    }

    private Reply send(String method, String path, String body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        String type = response.headers().firstValue("Content-Type").orElse("");
        JsonNode node = response.body().isEmpty() ? null : json.readTree(response.body());
        return new Reply(response.statusCode(), type, node, response.body());
    }

    private static void assertProblem(Reply reply, int status, String slug) {
        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.body().get("type").asString()).isEqualTo("urn:aero:problem:" + slug);
        assertThat(reply.body().get("status").asInt()).isEqualTo(status);
        assertThat(reply.raw()).doesNotContain("Exception").doesNotContain("at dev.aero").doesNotContain("trace");
    }

    @Test
    void validRequestsStillWork() throws Exception {
        Reply reply = send("GET", "/devices/" + DEVICE, null, null);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().get("device_id").asString()).isEqualTo(DEVICE);
    }

    @Test
    void malformedDeviceIdInPathIsA400NamingTheValue() throws Exception {
        Reply reply = send("GET", "/devices/NOT-A-DEVICE", null, null);
        assertProblem(reply, 400, "invalid-identifier");
        assertThat(reply.body().get("detail").asString()).contains("device id").contains("'NOT-A-DEVICE'");
    }

    @Test
    void malformedUserIdInQueryIsA400() throws Exception {
        Reply reply = send("GET", "/users?email=not-an-address", null, null);
        assertProblem(reply, 400, "invalid-identifier");
        assertThat(reply.body().get("detail").asString()).contains("'not-an-address'");
    }

    @Test
    void fieldValidationErrorsListEachField() throws Exception {
        Reply reply = send("POST", "/renames", "{\"name\":\"\",\"device\":\"" + DEVICE + "\"}", "application/json");
        assertProblem(reply, 400, "validation");
        List<Map<String, String>> errors = json.convertValue(reply.body().get("errors"), List.class);
        assertThat(errors).extracting(e -> e.get("field")).containsExactly("name");
    }

    @Test
    void parameterConstraintViolationIsA400() throws Exception {
        Reply reply = send("GET", "/limited?count=6", null, null);
        assertProblem(reply, 400, "validation");
        assertThat(reply.body().get("errors").toString()).contains("count");
    }

    @Test
    void malformedJsonIsA400WithoutParserInternals() throws Exception {
        Reply reply = send("POST", "/renames", "{\"name\": ", "application/json");
        assertProblem(reply, 400, "malformed-request");
        assertThat(reply.body().get("detail").asString()).doesNotContain("tools.jackson").doesNotContain("dev.aero");
    }

    @Test
    void wrongJsonShapeSaysWhere() throws Exception {
        Reply reply = send("POST", "/renames", "{\"name\": {\"nested\": 1}}", "application/json");
        assertProblem(reply, 400, "malformed-request");
        assertThat(reply.body().get("detail").asString()).contains("$.name");
    }

    @Test
    void malformedIdentifierInsideJsonNamesTheValue() throws Exception {
        Reply reply = send("POST", "/renames", "{\"name\":\"laptop\",\"device\":\"xyz\"}", "application/json");
        assertProblem(reply, 400, "invalid-identifier");
        assertThat(reply.body().get("detail").asString()).contains("'xyz'");
    }

    @Test
    void unknownPathIsA404Problem() throws Exception {
        Reply reply = send("GET", "/no/such/thing", null, null);
        assertProblem(reply, 404, "not-found");
        assertThat(reply.body().get("detail").asString()).isEqualTo("No endpoint GET /no/such/thing.");
    }

    @Test
    void wrongMethodIsA405Problem() throws Exception {
        assertProblem(send("DELETE", "/devices/" + DEVICE, null, null), 405, "method-not-allowed");
    }

    @Test
    void wrongContentTypeIsA415Problem() throws Exception {
        assertProblem(send("POST", "/renames", "name=x", "text/plain"), 415, "unsupported-media-type");
    }

    @Test
    void unexpectedErrorIsA500WithAnIncidentAndNoInternals() throws Exception {
        Reply reply = send("GET", "/boom", null, null);
        assertProblem(reply, 500, "internal-error");
        assertThat(reply.raw()).doesNotContain("secret internal detail").doesNotContain("IllegalStateException");
        assertThat(reply.body().get("incident").asString()).matches("[0-9a-f-]{36}");
    }

    @Test
    void serviceProblemsKeepTheirOwnTypeAndProperties() throws Exception {
        Reply reply = send("GET", "/conflict", null, null);
        assertProblem(reply, 409, "device-owned-elsewhere");
        assertThat(reply.body().get("device_id").asString()).isEqualTo(DEVICE);
    }

    @Test
    void containerLevelErrorDispatchIsAProblemToo() throws Exception {
        Reply reply = send("GET", "/error", null, null);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.body().get("type").asString()).startsWith("urn:aero:problem:");
    }
}
