package dev.aero.sp.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.aero.common.web.ApiProblemException;

/**
 * SP's reading of a device's certificate request (PEM, PKCS#10) on any text: a request for a
 * device id with an acceptable key and a valid signature, or a 400 problem, never another
 * exception (which would be a 500).
 */
class CsrFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void csrsParseOrAreRefused(byte[] input) {
        DeviceCertificationRequest request;
        try {
            request = DeviceCertificationRequest.parse(new String(input, StandardCharsets.ISO_8859_1));
        } catch (ApiProblemException e) {
            assertThat(e.getStatusCode().value()).isEqualTo(400);
            return;
        }
        assertThat(request.device()).isNotNull();
        assertThat(request.publicKey()).isNotNull();
    }
}
