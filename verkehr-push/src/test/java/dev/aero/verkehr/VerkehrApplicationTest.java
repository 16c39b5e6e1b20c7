package dev.aero.verkehr;

import dev.aero.common.testing.TestPki;

import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.RedisBackedServiceContract;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class VerkehrApplicationTest extends RedisBackedServiceContract {

    @DynamicPropertySource
    static void tls(DynamicPropertyRegistry registry) throws Exception {
        TestPki pki = new TestPki(Path.of("target", "test-pki", "app-" + UUID.randomUUID()));
        registry.add("aero.verkehr.port", () -> 0);
        registry.add("aero.verkehr.tls.certificate-file", () -> pki.serverCertificateFile().toAbsolutePath().toString());
        registry.add("aero.verkehr.tls.private-key-file", () -> pki.serverKeyFile().toAbsolutePath().toString());
        registry.add("aero.verkehr.tls.ca-certificate-file", () -> pki.caFile().toAbsolutePath().toString());
        registry.add("aero.verkehr.tls.crl-url", () -> pki.crlFile().toAbsolutePath().toUri().toString());
        registry.add("aero.verkehr.cluster.channel-prefix", () -> "vk-app-" + UUID.randomUUID());
    }

    @Override
    protected Set<String> backingServices() {
        return Set.of("redis", "ssmp");
    }

    @Override
    protected ApiDocument apiDocument() {
        return new ApiDocument("/openapi.json", "verkehr-push");
    }
}
