package dev.aero.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceCredentialTest {

    private static final String SECRET = "9f1c0e7d4b2a6f8e3d5c7b9a1e0f2d4c";

    @Test
    void headerValueRoundTrips() {
        ServiceCredential credential = new ServiceCredential("command-server", SECRET);
        String header = credential.toHeaderValue();
        assertThat(header).isEqualTo("Aero-Service-Shared-Secret command-server " + SECRET);
        assertThat(ServiceCredential.parse(header)).isEqualTo(credential);
    }

    @Test
    void schemeIsMatchedCaseInsensitively() {
        assertThat(ServiceCredential.parse("aero-service-shared-secret sp " + SECRET).serviceName()).isEqualTo("sp");
    }

    @Test
    void secretMatchesOnlyTheSameSecret() {
        ServiceCredential credential = ServiceCredential.parse("Aero-Service-Shared-Secret sp " + SECRET);
        assertThat(credential.secretMatches(SECRET)).isTrue();
        assertThat(credential.secretMatches(SECRET.substring(1))).isFalse();
        assertThat(credential.secretMatches(SECRET + "0")).isFalse();
        assertThat(credential.secretMatches(SECRET.replace('9', '8'))).isFalse();
        assertThat(credential.secretMatches("")).isFalse();
        assertThat(credential.secretMatches(null)).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "Bearer abc", "Aero-Service-Shared-Secret", "Aero-Service-Shared-Secret sp",
            "Aero-Service-Shared-Secret sp ", "Aero-Service-Shared-Secret  sp secret", "Aero-Service-Shared-Secret SP secret",
            "Aero-Service-Shared-Secret sp two words", "Aero-Service-Shared-Secret sp tab\tsecret",
            "Aero-Service-Shared-Secret sp sécret", "Aero-Service-Shared-Secret s_p secret" })
    void malformedHeadersAreRejected(String header) {
        assertThatThrownBy(() -> ServiceCredential.parse(header)).isInstanceOf(InvalidServiceCredentialException.class);
    }

    @Test
    void errorsAndToStringNeverRevealTheSecret() {
        assertThat(new ServiceCredential("sp", SECRET).toString()).doesNotContain(SECRET);
        assertThatThrownBy(() -> ServiceCredential.parse("Aero-Service-Shared-Secret sp " + SECRET + " extra"))
                .message().doesNotContain(SECRET);
        assertThatThrownBy(() -> ServiceCredential.parse("Aero-Service-Shared-Secret sp " + "x".repeat(513)))
                .message().doesNotContain("xxxx");
    }
}
