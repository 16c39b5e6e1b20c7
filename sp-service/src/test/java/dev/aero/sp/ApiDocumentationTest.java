package dev.aero.sp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

@SpServiceTest
class ApiDocumentationTest extends SpTestSupport {

    @Test
    void openApiDocumentListsTheApi() throws Exception {
        HttpResponse<String> response = raw("GET", "/api/v1/openapi.json", null, null, null);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode doc = JSON.readTree(response.body());
        assertThat(doc.get("openapi").asString()).startsWith("3.");
        List<String> paths = new ArrayList<>();
        doc.get("paths").propertyNames().forEach(paths::add);
        assertThat(paths).contains("/api/v1/users", "/api/v1/sessions", "/api/v1/sessions/current", "/api/v1/users/me",
                "/api/v1/devices", "/api/v1/devices/{did}", "/api/v1/devices/{did}/certificate", "/api/v1/teamservers",
                "/api/v1/ca/crl", "/api/v1/ca/service-certificates", "/api/v1/audit-events",
                "/api/v1/organizations/me/members/{email}/role");
    }

    @Test
    void swaggerUiIsServed() throws Exception {
        HttpResponse<String> response = raw("GET", "/api/v1/docs", null, null, null);
        assertThat(response.statusCode()).isEqualTo(302);
        String location = java.net.URI.create(response.headers().firstValue("Location").orElseThrow()).getPath();
        HttpResponse<String> page = raw("GET", location, null, null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).containsIgnoringCase("swagger");
    }
}
