package dev.aero.common.webtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The headers every service's answers carry (common's auto-configuration): nosniff and no-store
 * on answers and on problems, a handler's own caching left alone, no HSTS over plain HTTP, and no
 * CORS for another origin.
 */
@SpringBootTest(classes = ProblemTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "logging.level.dev.aero.common.web=OFF")
class SecurityHeadersTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    }

    @Test
    void answersAndProblemsAreNotSniffedNorStored() throws Exception {
        for (String path : new String[] { "/devices/00112233445566778899aabbccddeeff", "/devices/not-a-did", "/boom", "/nowhere" }) {
            HttpResponse<String> r = send(get(path));
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).contains("nosniff");
            assertThat(r.headers().firstValue("Cache-Control")).as(path).contains("no-store");
            assertThat(r.headers().firstValue("Strict-Transport-Security")).as("plain HTTP: no HSTS").isEmpty();
        }
    }

    @Test
    void aHandlerThatAllowsCachingKeepsItsOwnCacheControl() throws Exception {
        HttpResponse<String> r = send(get("/public-info"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().allValues("Cache-Control")).containsExactly("max-age=300");
    }

    @Test
    void anotherOriginGetsNoCors() throws Exception {
        HttpResponse<String> simple = send(get("/devices/00112233445566778899aabbccddeeff").header("Origin", "https://evil.example"));
        assertThat(simple.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> preflight = send(get("/renames").method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type"));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
    }
}
