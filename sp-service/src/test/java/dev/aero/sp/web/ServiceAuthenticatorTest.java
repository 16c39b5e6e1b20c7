package dev.aero.sp.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

import dev.aero.common.web.ApiProblemException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The resolver alone, for what the HTTP tests' context cannot show without a second SP start:
 * a deployment without a secret refuses every service, however it authenticates.
 * ServiceCertificateTest covers the configured case over HTTP.
 */
class ServiceAuthenticatorTest {

    @Test
    void withoutADeploymentSecretEveryServiceGets503() {
        for (String secret : new String[] { null, "" }) {
            ServiceAuthenticator authenticator = new ServiceAuthenticator(secret, new SimpleMeterRegistry());
            MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/ca/service-certificates");
            request.addHeader("Authorization", "Aero-Service-Shared-Secret verkehr-push anything");
            ApiProblemException e = catchThrowableOfType(ApiProblemException.class, () -> authenticator.resolve(request));
            assertThat(e).isNotNull();
            assertThat(e.getStatusCode().value()).isEqualTo(503);
            assertThat(e.getBody().getType().toString()).isEqualTo("urn:aero:problem:service-auth-not-configured");
        }
    }

    @Test
    void theRightSecretNamesTheService() {
        ServiceAuthenticator authenticator = new ServiceAuthenticator("s3cret", new SimpleMeterRegistry());
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/");
        request.addHeader("Authorization", "aero-service-shared-secret xmpp-bridge s3cret");
        assertThat(authenticator.resolve(request)).isEqualTo(new AuthenticatedService("xmpp-bridge"));
    }
}
