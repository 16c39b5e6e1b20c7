package dev.aero.console.devicelogs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The device logs page against a stand-in SP that answers the console's calls as SP's API
 * does (its JSON, its gzip download, its problems), and records each: the list, the download
 * streamed through with SP's bytes, and the delete behind a confirmation, all as the admin.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceLogsPageTest {

    private static final String DID = "0123456789abcdef0123456789abcdef";
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final byte[] GZIP = { 0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    private static final String UPLOADS = """
            {"uploads": [{"id": 7, "device_id": "%s", "device_name": "Front desk", "user": "bob@example.com",
              "defect_id": "case-42", "size": 1536, "sha256": "%s", "uploaded_at": "2026-03-01T10:15:30Z"}],
             "next_before": null}""".formatted(DID, SHA);

    /** Each call the console made: "method path?query authorization". */
    private static final List<String> CALLS = new CopyOnWriteArrayList<>();
    private static final HttpServer SP = standInSp();

    @LocalServerPort
    int port;

    private final HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

    private static HttpServer standInSp() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", DeviceLogsPageTest::answer);
            server.start();
            return server;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        String call = exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query);
        CALLS.add(call + " " + exchange.getRequestHeaders().getFirst("Authorization"));
        exchange.getRequestBody().readAllBytes();
        String logs = "/api/v1/devices/" + DID + "/logs/case-42";
        if (call.equals("POST /api/v1/sessions")) {
            send(exchange, 201, "application/json",
                    "{\"token\":\"admin-token\",\"expires_at\":\"2099-01-01T00:00:00Z\",\"user_id\":\"ada@example.com\"}");
        } else if (call.equals("GET /api/v1/users/me")) {
            send(exchange, 200, "application/json", "{\"user_id\":\"ada@example.com\",\"first_name\":\"Ada\",\"last_name\":\"Admin\","
                    + "\"organization_id\":\"1\",\"role\":\"ADMIN\",\"created_at\":\"2026-01-01T00:00:00Z\"}");
        } else if (call.startsWith("GET /api/v1/organizations/me/device-logs?")) {
            send(exchange, 200, "application/json", UPLOADS);
        } else if (call.equals("GET /api/v1/devices/" + DID)) {
            send(exchange, 200, "application/json", "{\"device_id\":\"" + DID + "\",\"owner\":\"bob@example.com\","
                    + "\"name\":\"Front desk\",\"os_family\":\"Linux\",\"os_name\":\"Debian 12\",\"registered_at\":\"2026-01-01T00:00:00Z\","
                    + "\"certificate_serial\":\"1\",\"certificate_expires_at\":\"2027-01-01T00:00:00Z\"}");
        } else if (call.equals("GET /api/v1/devices/" + DID + "/commands")) {
            send(exchange, 200, "application/json", "{\"commands\":[],\"dead_letters\":[]}");
        } else if (call.equals("GET " + logs)) {
            exchange.getResponseHeaders().add("Content-Type", "application/gzip");
            exchange.sendResponseHeaders(200, GZIP.length);
            exchange.getResponseBody().write(GZIP);
            exchange.close();
        } else if (call.equals("DELETE " + logs)) {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        } else {
            send(exchange, 404, "application/problem+json",
                    "{\"type\":\"urn:aero:problem:logs-upload-not-found\",\"status\":404,\"detail\":\"No logs upload here.\"}");
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @DynamicPropertySource
    static void spUrl(DynamicPropertyRegistry registry) {
        String url = "http://127.0.0.1:" + SP.getAddress().getPort();
        registry.add("aero.console.sp-url", () -> url);
        registry.add("aero.console.services.sp-service", () -> "http://127.0.0.1:1");
        registry.add("aero.console.devman-url", () -> "http://127.0.0.1:1");
    }

    @AfterAll
    static void stopSp() {
        SP.stop(0);
    }

    private <T> HttpResponse<T> get(String path, HttpResponse.BodyHandler<T> body) throws Exception {
        return browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), body);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String form) throws Exception {
        return browser.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String csrf(String page) {
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(csrf.find()).as("a CSRF field in the page").isTrue();
        return URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
    }

    @BeforeAll
    void signIn() throws Exception {
        String form = "email=ada%40example.com&password=secret&_csrf=" + csrf(get("/sign-in").body());
        HttpResponse<String> signedIn = post("/sign-in", form);
        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(signedIn.headers().firstValue("Location").orElseThrow()).doesNotContain("error");
    }

    @Test
    void thePageListsUploadsWithWhatIdentifiesThem() throws Exception {
        HttpResponse<String> page = get("/device-logs");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h1>Device logs</h1>")
                .containsPattern("<a href=\"/device-logs\" aria-current=\"page\">Device logs</a>")
                .contains("Front desk").contains("bob@example.com").contains("case-42").contains(SHA).contains("1.5 KiB")
                .contains("href=\"/device-logs/" + DID + "/case-42\"").contains("href=\"/device-logs/" + DID + "/case-42/delete\"")
                .doesNotContain("id=\"next-page\"");
        assertThat(CALLS).contains("GET /api/v1/organizations/me/device-logs?limit=100 Bearer admin-token");

        get("/device-logs?device=" + DID);
        assertThat(CALLS).contains("GET /api/v1/organizations/me/device-logs?limit=100&device=" + DID + " Bearer admin-token");
    }

    @Test
    void theDevicePageShowsTheDevicesUploadsAndDeletesReturnToIt() throws Exception {
        HttpResponse<String> page = get("/devices/" + DID);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<h2>Uploaded logs</h2>").contains("case-42").contains(SHA)
                .contains("href=\"/device-logs/" + DID + "/case-42/delete?back=device\"").contains("id=\"request-logs\"")
                .contains("href=\"/device-logs?device=" + DID + "\"");
        assertThat(CALLS).contains("GET /api/v1/organizations/me/device-logs?limit=20&device=" + DID + " Bearer admin-token");
    }

    @Test
    void aDownloadStreamsSpsBytesAsAnAttachment() throws Exception {
        HttpResponse<byte[]> file = get("/device-logs/" + DID + "/case-42", HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(GZIP);
        assertThat(file.headers().firstValue("Content-Type")).hasValue("application/gzip");
        assertThat(file.headers().firstValue("Content-Disposition").orElseThrow())
                .isEqualTo("attachment; filename=\"logs-" + DID + "-case-42.gz\"");

        HttpResponse<String> missing = get("/device-logs/" + DID + "/case-43");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("No logs upload here.");
    }

    @Test
    void aDeleteIsConfirmedAndSentToSpAsTheAdmin() throws Exception {
        HttpResponse<String> confirm = get("/device-logs/" + DID + "/case-42/delete?back=device");
        assertThat(confirm.body()).contains("Delete the logs of defect case-42?")
                .contains("action=\"/device-logs/" + DID + "/case-42/delete\"").contains("name=\"back\" value=\"device\"");
        assertThat(CALLS).noneMatch(c -> c.startsWith("DELETE "));

        HttpResponse<String> deleted = post("/device-logs/" + DID + "/case-42/delete", "back=device&_csrf=" + csrf(confirm.body()));
        assertThat(deleted.statusCode()).isEqualTo(302);
        assertThat(deleted.headers().firstValue("Location").orElseThrow()).endsWith("/devices/" + DID);
        assertThat(CALLS).contains("DELETE /api/v1/devices/" + DID + "/logs/case-42 Bearer admin-token");
    }

    @Test
    void anAddressThatIsNotADefectIdIsNotFoundAndSpIsNotAsked() throws Exception {
        int calls = CALLS.size();
        assertThat(get("/device-logs/" + DID + "/..%2Fx").statusCode()).isIn(400, 404);
        assertThat(get("/device-logs/" + DID + "/-x/delete").statusCode()).isEqualTo(404);
        assertThat(CALLS).hasSize(calls);
    }
}
