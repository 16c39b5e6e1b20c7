package dev.aero.sp.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import tools.jackson.databind.JsonNode;

/** Behind a trusted front proxy, the device certificate arrives in a header and is checked the same way. */
@SpServiceTest
@TestPropertySource(properties = "aero.sp.trusted-proxies=127.0.0.1")
class ForwardedCertificateTest extends SpTestSupport {

    @Test
    void certificateForwardedByATrustedProxyAuthenticatesTheDevice() throws Exception {
        Account owner = member("proxied");
        RegisteredDevice device = register(owner);
        HttpResponse<String> response = recertifyWithHeader(device, device.certificate().certificate());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("device_id").asString()).isEqualTo(device.id().hex());

        HttpResponse<String> again = recertifyWithHeader(device, device.certificate().certificate());
        assertThat(assertProblemResponse(again, 401).get("type").asString()).isEqualTo("urn:aero:problem:certificate-revoked");
    }

    @Test
    void garbageInTheHeaderIsRefused() throws Exception {
        Account owner = member("garbage");
        RegisteredDevice device = register(owner);
        HttpResponse<String> response = recertifyWithHeader(device, "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----");
        assertThat(assertProblemResponse(response, 401).get("type").asString()).isEqualTo("urn:aero:problem:certificate-untrusted");
    }

    private HttpResponse<String> recertifyWithHeader(RegisteredDevice device, String certificatePem) throws Exception {
        String csr = device.keys().certificationRequestPem(device.id());
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(baseUrl().resolve("/api/v1/devices/" + device.id().hex() + "/certificate"))
                .header("Content-Type", "application/json")
                .header("X-Client-Certificate", URLEncoder.encode(certificatePem, StandardCharsets.US_ASCII))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("csr", csr)))).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
