package dev.aero.devman;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestPki;

/**
 * devman behind a TLS-terminating proxy with no device listener of its own: it still learns the
 * platform CA (here from the configured file) and so verifies forwarded certificates against it
 * and its CRL, instead of answering every check-in 503.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class ProxiedCheckinTest {

    private static TestPki pki;

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) throws Exception {
        pki = new TestPki(Path.of("target", "test-pki", "devman-proxied-" + UUID.randomUUID()));
        registry.add("aero.devman.deployment-secret", () -> "proxied-test-secret");
        registry.add("aero.devman.trusted-proxies", () -> "127.0.0.1");
        registry.add("aero.devman.crl-url", () -> pki.crlFile().toUri().toString());
        registry.add("aero.devman.crl-refresh", () -> "200ms");
        registry.add("aero.devman.device-tls.enabled", () -> false);
        registry.add("aero.devman.device-tls.ca-certificate-file", () -> pki.caFile().toAbsolutePath().toString());
        // Nothing listens there: the CA must come from the file.
        registry.add("aero.devman.sp-url", () -> "http://127.0.0.1:9");
    }

    private HttpResponse<String> forwarded(X509Certificate certificate) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/checkin"))
                .header("X-Client-Certificate", URLEncoder.encode(TestPki.pem(certificate), StandardCharsets.US_ASCII))
                .header("X-Forwarded-For", "203.0.113.7").POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Repeats the check-in while devman answers {@code status} (the CA and CRL are read in the background). */
    private HttpResponse<String> forwardedOnceNot(int status, X509Certificate certificate) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> r = forwarded(certificate);
        while (r.statusCode() == status && System.nanoTime() < deadline) {
            Thread.sleep(50);
            r = forwarded(certificate);
        }
        return r;
    }

    @Test
    void forwardedCertificatesAreVerifiedAgainstTheCaAndItsCrl() throws Exception {
        HttpResponse<String> good = forwardedOnceNot(503, pki.device(DID.random().hex(), "user@example.com").certificate());
        assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
        assertThat(good.body()).contains("\"checkin_interval_seconds\":60");

        HttpResponse<String> foreign = forwarded(TestPki.foreign(DID.random().hex()).certificate());
        assertThat(foreign.statusCode()).isEqualTo(401);
        assertThat(foreign.body()).contains("certificate-untrusted");

        TestPki.Credentials revoked = pki.device(DID.random().hex(), "user@example.com");
        pki.revoke(revoked.serial());
        HttpResponse<String> refused = forwardedOnceNot(200, revoked.certificate());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("certificate-revoked");
    }
}
