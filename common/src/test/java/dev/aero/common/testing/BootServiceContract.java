package dev.aero.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every Boot app of the platform must do, checked against the app started on a random
 * port: on its management port, report health UP including each backing service it uses and
 * serve Prometheus metrics; on its public port, nothing of that, only details-free liveness
 * and readiness; and answer errors as problem+json. A service's test extends this, adds
 * {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} and, where it uses them,
 * {@code @RealServices}.
 */
public abstract class BootServiceContract {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    protected int port;

    @LocalManagementPort
    protected int managementPort;

    /** Health components that must be present and UP, e.g. "db", "redis". */
    protected abstract Set<String> backingServices();

    /**
     * Where the service serves its OpenAPI document, and the name of its committed copy under
     * {@code docs/openapi/}; null for a service without an HTTP API of its own.
     */
    protected ApiDocument apiDocument() {
        return null;
    }

    public record ApiDocument(String path, String name) {
    }

    protected HttpResponse<String> get(String path) throws Exception {
        return get(port, path);
    }

    protected HttpResponse<String> management(String path) throws Exception {
        return get(managementPort, path);
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthIsUpWithEveryBackingService() throws Exception {
        HttpResponse<String> response = management("/actuator/health");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode health = JSON.readTree(response.body());
        assertThat(health.get("status").asString()).isEqualTo("UP");
        List<String> components = new ArrayList<>();
        health.get("components").propertyNames().forEach(components::add);
        for (String service : backingServices()) {
            assertThat(components).as("health components").contains(service);
            assertThat(health.get("components").get(service).get("status").asString()).as(service).isEqualTo("UP");
        }
    }

    @Test
    void readinessAndLivenessProbesAnswer() throws Exception {
        assertThat(management("/actuator/health/readiness").statusCode()).isEqualTo(200);
        assertThat(management("/actuator/health/liveness").statusCode()).isEqualTo(200);
    }

    @Test
    void prometheusMetricsAreServed() throws Exception {
        HttpResponse<String> response = management("/actuator/prometheus");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("jvm_memory_used_bytes").contains("application=");
    }

    @Test
    void thePublicPortAnswersLivenessAndReadinessWithoutDetailsAndServesNoActuator() throws Exception {
        assertThat(managementPort).as("a management port of its own").isNotEqualTo(port);
        for (String probe : List.of("/livez", "/readyz")) {
            HttpResponse<String> response = get(probe);
            assertThat(response.statusCode()).as(probe).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            List<String> members = new ArrayList<>();
            body.propertyNames().forEach(members::add);
            assertThat(members).as(probe + ": " + response.body()).containsExactly("status");
            assertThat(body.get("status").asString()).isEqualTo("UP");
        }
        for (String internal : List.of("/actuator", "/actuator/health", "/actuator/prometheus", "/actuator/info",
                "/actuator/env", "/actuator/heapdump", "/actuator/health/readiness")) {
            assertThat(get(internal).statusCode()).as(internal + " on the public port").isEqualTo(404);
        }
    }

    @Test
    void servedApiDocumentIsTheCommittedOne() throws Exception {
        ApiDocument document = apiDocument();
        if (document == null) {
            assertThat(get("/v3/api-docs").statusCode()).as("a service without an API document serves none").isEqualTo(404);
            return;
        }
        HttpResponse<String> response = get(document.path());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode doc = JSON.readTree(response.body());
        assertThat(doc.get("openapi").asString()).startsWith("3.1");
        List<String> paths = new ArrayList<>();
        doc.get("paths").propertyNames().forEach(paths::add);
        assertThat(paths).isNotEmpty().doesNotContain("/error");
        ApiDocumentFile.check(document.name(), response.body());
    }

    @Test
    void unknownPathIsAProblemJson404() throws Exception {
        HttpResponse<String> response = get("/no-such-endpoint");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(JSON.readTree(response.body()).get("type").asString()).isEqualTo("urn:aero:problem:not-found");
    }
}
