package dev.aero.common.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.MockHttpServletRequest;

import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.id.DID;
import dev.aero.common.testing.TestPki;

class DeviceCertificateChecksTest {

    private static final String HEADER = "X-Client-Certificate";

    private static TestPki pki;
    private static DID did;
    private static X509Certificate device;

    private final List<String> refusals = new ArrayList<>();
    private final DeviceCertificateChecks checks = new DeviceCertificateChecks(HEADER, refusals::add);

    @BeforeAll
    static void issue() throws Exception {
        pki = new TestPki(Files.createTempDirectory("device-checks"));
        did = DID.random();
        device = pki.device(did.hex(), "user@example.com").certificate();
    }

    @Test
    void theTlsCertificateIsTakenAndItsIdentityRead() {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.setAttribute(PresentedCertificate.TLS_ATTRIBUTE, new X509Certificate[] {device});

        X509Certificate presented = checks.presented(request, false, "present one");
        checks.withinValidity(presented, Instant.now(), "expired");
        CertificateIdentity identity = checks.identity(presented);

        assertThat(identity.device()).isEqualTo(did);
        assertThat(identity.user().toString()).isEqualTo("user@example.com");
        assertThat(refusals).isEmpty();
    }

    @Test
    void noCertificateIsRequiredWithTheCallersHint() {
        assertRefused(() -> checks.presented(new MockHttpServletRequest(), true, "present one"), "certificate-required", "present one");
    }

    @Test
    void aForwardedHeaderCountsOnlyFromATrustedProxy() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.addHeader(HEADER, java.net.URLEncoder.encode(TestPki.pem(device), java.nio.charset.StandardCharsets.UTF_8));

        assertThat(checks.presented(request, true, "present one")).isEqualTo(device);
        assertRefused(() -> checks.presented(request, false, "present one"), "certificate-required", "present one");
    }

    @Test
    void anUnreadableForwardedCertificateIsUntrusted() {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.addHeader(HEADER, "not a certificate");
        assertRefused(() -> checks.presented(request, true, "present one"), "certificate-untrusted", null);
    }

    @Test
    void outsideItsValidityACertificateIsExpiredOrNotYetValid() {
        assertRefused(() -> checks.withinValidity(device, Instant.now().plus(Duration.ofDays(2)), "register again"),
                "certificate-expired", "register again");
        assertRefused(() -> checks.withinValidity(device, Instant.now().minus(Duration.ofDays(1)), "register again"),
                "certificate-not-yet-valid", null);
    }

    @Test
    void aCertificateNamingNoDeviceAndUserIsUntrusted() throws Exception {
        X509Certificate nameless = TestPki.foreign("not-a-device").certificate();
        assertRefused(() -> checks.identity(nameless), "certificate-untrusted", null);
    }

    private void assertRefused(Runnable check, String slug, String detail) {
        int before = refusals.size();
        assertThatThrownBy(check::run).isInstanceOfSatisfying(ApiProblemException.class, e -> {
            assertThat(e.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(e.getBody().getType()).isEqualTo(ProblemTypes.of(slug));
            if (detail != null) {
                assertThat(e.getBody().getDetail()).isEqualTo(detail);
            }
        });
        assertThat(refusals.subList(before, refusals.size())).containsExactly(slug);
    }
}
