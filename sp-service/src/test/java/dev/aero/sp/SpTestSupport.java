package dev.aero.sp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.common.id.DID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What SP's API tests share: clients for the started server, the organization's admin (the
 * class's first user, kept for the class: one instance serves every test), invited members, registered devices, and raw HTTP for hostile input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SpTestSupport {

    protected static final String PASSWORD = "correct horse battery";
    protected static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcTemplate jdbc;

    @Autowired
    private SpProperties properties;

    private Account admin;

    /** A signed-in account: its e-mail and a client carrying its token. */
    public record Account(String email, SpClient client) {
    }

    /** A registered device with its key and certificate. */
    public record RegisteredDevice(DID id, DeviceKeys keys, DeviceCertificate certificate) {
    }

    protected URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    protected SpClient anonymous() {
        return SpClient.create(baseUrl());
    }

    protected static String uniqueEmail(String who) {
        return who + "-" + SEQUENCE.incrementAndGet() + "-" + Long.toString(System.nanoTime(), 36) + "@example.com";
    }

    /**
     * The organization's admin: the first user who signed up on this class's fresh database, with
     * the setup token SP wrote for the operator.
     */
    protected synchronized Account admin() {
        if (admin == null) {
            String email = uniqueEmail("admin");
            anonymous().signUp(SignUp.firstAdmin(email, PASSWORD, "Ada", "Admin", "Test Org", setupToken()));
            admin = signIn(email, PASSWORD);
        }
        return admin;
    }

    /** The first-run setup token, as the operator reads it (the file SP wrote it to). */
    protected String setupToken() {
        try {
            return Files.readString(properties.setupTokenFile()).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("no setup token file (has the organization been created?)", e);
        }
    }

    /** A new member, invited by the admin, signed in. */
    protected Account member(String who) {
        String email = uniqueEmail(who);
        String code = admin().client().invite(email).invitationCode();
        anonymous().signUp(new SignUp(email, PASSWORD, "Mel", "Member", code, null));
        return signIn(email, PASSWORD);
    }

    protected Account signIn(String email, String password) {
        return new Account(email, anonymous().withToken(anonymous().signIn(email, password).token()));
    }

    protected RegisteredDevice register(Account owner) {
        DID id = DID.random();
        DeviceKeys keys = DeviceKeys.generate();
        DeviceCertificate certificate = owner.client()
                .registerDevice(new RegisterDevice(keys.certificationRequestPem(id), "laptop", "Linux", "Debian 12"));
        return new RegisteredDevice(id, keys, certificate);
    }

    /** Runs a call that must fail, and returns its problem. */
    protected static SpApiException problem(ThrowingCallable call) {
        SpApiException e = catchThrowableOfType(SpApiException.class, call);
        assertThat(e).as("expected the call to fail with a problem").isNotNull();
        return e;
    }

    protected static void assertProblem(SpApiException e, int status, String slug) {
        assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
        assertThat(e.type()).as(e.getMessage()).isEqualTo("urn:aero:problem:" + slug);
    }

    // Raw HTTP, for what the SDK would never send.

    protected HttpResponse<String> raw(String method, String path, String contentType, String body, String token)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl().resolve(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected static JsonNode assertProblemResponse(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("type").asString()).startsWith("urn:aero:problem:");
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        return problem;
    }

    protected int count(String table) {
        Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
        return n == null ? 0 : n;
    }
}
