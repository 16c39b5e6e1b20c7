package dev.aero.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The console on its own, with SP nowhere to be found (port 1): what it serves before anyone
 * signs in, and what a sign-in says when SP cannot be reached. Signed-in pages are tested
 * against the real platform (system-tests, AdminConsoleTest).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "aero.console.sp-url=http://127.0.0.1:1", "management.server.port=0", "aero.console.services.sp-service=http://127.0.0.1:1"})
class ConsoleApplicationTest {

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Value("${server.servlet.session.timeout}")
    String sessionTimeout;

    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theSignInPageHasNoInlineScriptOrStyleAndItsAssetsLoadUnderThePolicy() throws Exception {
        HttpResponse<String> page = get(port, "/sign-in");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"/js/console.js\" defer></script>").doesNotContain("<script>")
                .doesNotContain("style=").containsPattern("name=\"_csrf\" value=\"[^\"]+\"");
        for (String asset : new String[] {"/js/console.js", "/css/console.css", "/favicon.svg"}) {
            assertThat(get(port, asset).statusCode()).as(asset).isEqualTo(200);
        }
    }

    @Test
    void healthIsOnTheManagementPortWithoutSigningIn() throws Exception {
        HttpResponse<String> health = get(managementPort, "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"");
        assertThat(get(port, "/livez").statusCode()).isEqualTo(200);
    }

    @Test
    void theSessionLivesAsLongAsTheIdleTimeout() {
        assertThat(sessionTimeout).isEqualTo("30m");
    }

    @Test
    void aSignInWhileSpCannotBeReachedSaysSo() throws Exception {
        HttpResponse<String> page = get(port, "/sign-in");
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertThat(csrf.find()).isTrue();
        String form = "email=ada%40example.com&password=secret&_csrf=" + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sign-in"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(302);
        assertThat(posted.headers().firstValue("Location").orElseThrow()).endsWith("/sign-in?error");
        assertThat(get(port, "/sign-in?error").body()).contains("SP cannot be reached; try again later.")
                .contains("value=\"ada@example.com\"");
    }
}
