package dev.aero.sp.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/ca/service-certificates}: a platform service holding the deployment
 * secret (test config: {@code test-deployment-secret}) gets a TLS certificate for its CSR.
 * Without a configured secret the endpoint answers 503: see {@code ServiceAuthenticatorTest}.
 */
@SpServiceTest
class ServiceCertificateTest extends SpTestSupport {

    private static final String PATH = "/api/v1/ca/service-certificates";
    private static final String SECRET = "test-deployment-secret";
    private static final String SERVICE_AUTH = "Aero-Service-Shared-Secret verkehr-push " + SECRET;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void issuedCertificateNamesTheServiceAndItsHostsAndChainsToTheCa() throws Exception {
        KeyPair keys = ecKeys();
        Instant before = Instant.now();
        HttpResponse<String> response = post(SERVICE_AUTH, body(csr(keys, "CN=ignored,O=Anything"),
                List.of("aero.local", "LocalHost"), List.of("127.0.0.1", "::1")));
        Instant after = Instant.now();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode json = JSON.readTree(response.body());
        X509Certificate cert = PemReader.certificate(json.get("certificate").asString());
        X509Certificate ca = PemReader.certificate(anonymous().caCertificatePem());
        assertThat(PemReader.certificate(json.get("ca_certificate").asString())).isEqualTo(ca);
        assertThat(Instant.parse(json.get("not_after").asString())).isEqualTo(cert.getNotAfter().toInstant());

        validateChain(cert, ca);
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=verkehr-push");
        assertThat(cert.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "aero.local"), List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(cert.getKeyUsage()[2]).as("keyEncipherment (not for EC)").isFalse();
        assertThat(cert.getNotAfter().toInstant()).isBetween(before.plus(Duration.ofDays(30)).minusSeconds(1),
                after.plus(Duration.ofDays(30)));
        assertThat(cert.getNotBefore().toInstant()).isBefore(before);

        Map<String, Object> audit = jdbc.queryForMap("SELECT actor, target, details FROM audit_events"
                + " WHERE type = 'SERVICE_CERTIFIED' ORDER BY id DESC LIMIT 1");
        assertThat(audit.get("actor")).isEqualTo("verkehr-push");
        assertThat((String) audit.get("details")).contains("\"serial\":\"" + cert.getSerialNumber() + "\"")
                .contains("aero.local");
    }

    @Test
    void theCertificateServesTlsToClientsThatTrustTheCa() throws Exception {
        KeyPair keys = ecKeys();
        HttpResponse<String> response = post(SERVICE_AUTH, body(csr(keys, "CN=x"), List.of("aero.local"), List.of()));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode json = JSON.readTree(response.body());
        X509Certificate cert = PemReader.certificate(json.get("certificate").asString());
        X509Certificate ca = PemReader.certificate(json.get("ca_certificate").asString());

        KeyStore serverStore = KeyStore.getInstance("PKCS12");
        serverStore.load(null, null);
        serverStore.setKeyEntry("server", keys.getPrivate(), new char[0], new X509Certificate[] { cert, ca });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(serverStore, new char[0]);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);

        try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket accepted = server.accept(); OutputStream out = accepted.getOutputStream()) {
                    out.write(42);
                    out.flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // Connects to the loopback address but verifies the name the certificate was issued for.
            try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                    SSLSocket client = (SSLSocket) clientContext.getSocketFactory().createSocket(plain, "aero.local",
                            server.getLocalPort(), true)) {
                SSLParameters parameters = client.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                client.setSSLParameters(parameters);
                client.setSoTimeout(10_000);
                InputStream in = client.getInputStream();
                assertThat(in.read()).isEqualTo(42);
            }
            served.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void rsaKeysAlsoGetKeyEncipherment() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        HttpResponse<String> response = post(SERVICE_AUTH, body(csr(keys, "CN=x"), List.of("push.example.com"), null));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        X509Certificate cert = PemReader.certificate(JSON.readTree(response.body()).get("certificate").asString());
        assertThat(cert.getKeyUsage()[0]).isTrue();
        assertThat(cert.getKeyUsage()[2]).isTrue();
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(2, "push.example.com"));
    }

    @Test
    void missingMalformedOrWrongCredentialsGetTheSame401() throws Exception {
        String good = body(csr(ecKeys(), "CN=x"), List.of("aero.local"), List.of());
        int events = count("audit_events");
        List<String> details = new ArrayList<>();
        for (String authorization : Arrays.asList(null, "Bearer abc", "Aero-Service-Shared-Secret verkehr-push",
                "Aero-Service-Shared-Secret Verkehr " + SECRET, "Aero-Service-Shared-Secret verkehr-push wrong-secret",
                "Aero-Service-Shared-Secret verkehr-push " + SECRET + "x")) {
            HttpResponse<String> response = post(authorization, good);
            JsonNode problem = assertProblemResponse(response, 401);
            assertThat(problem.get("type").asString()).as(authorization)
                    .isEqualTo("urn:aero:problem:invalid-service-credentials");
            assertThat(response.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Aero-Service-Shared-Secret");
            assertThat(response.body()).doesNotContain(SECRET);
            details.add(problem.get("detail").asString());
        }
        assertThat(Set.copyOf(details)).hasSize(1);
        // Authentication comes first: an unauthenticated caller learns nothing about the body either.
        assertProblemResponse(post(null, "{\"csr\": \"garbage\"}"), 401);
        assertThat(count("audit_events")).isEqualTo(events);
    }

    @Test
    void badCsrsAreRefused() throws Exception {
        List<String> names = List.of("aero.local");
        assertRefused(body("garbage", names, null), "csr-malformed");
        assertRefused(body(null, names, null), "csr-malformed");

        String good = csr(ecKeys(), "CN=x");
        byte[] der = Base64.getMimeDecoder().decode(good.replaceAll("-----[A-Z ]+-----", "").strip());
        der[der.length - 5] ^= 0x01; // inside the signature
        String tampered = pem(der);
        JsonNode problem = assertProblemResponse(post(SERVICE_AUTH, body(tampered, names, null)), 400);
        assertThat(problem.get("type").asString())
                .isIn("urn:aero:problem:csr-signature-invalid", "urn:aero:problem:csr-malformed");

        KeyPair subject = ecKeys();
        KeyPair signer = ecKeys();
        String otherSigner = pem(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"), subject.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())).getEncoded());
        assertRefused(body(otherSigner, names, null), "csr-signature-invalid");

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        JsonNode weak = assertRefused(body(csr(rsa.generateKeyPair(), "CN=x"), names, null), "csr-weak-key");
        assertThat(weak.get("detail").asString()).contains("1024");
    }

    @Test
    void badDnsNamesAreRefused() throws Exception {
        String csr = csr(ecKeys(), "CN=x");
        String longName = String.join(".", Collections.nCopies(5, "a".repeat(59))); // 299 characters
        for (String bad : List.of("*.x", "a..b", longName, "-a.example", "a-.example", "under_score.example", "a b", "",
                "aero.local.", "127.0.0.1", "a".repeat(64) + ".example", "bücher.example")) {
            JsonNode problem = assertRefused(body(csr, List.of("aero.local", bad), null), "dns-name-invalid");
            assertThat(problem.get("detail").asString()).as(bad).contains("dns_names[1]");
        }
        assertRefused(body(csr, List.of(), null), "dns-name-invalid");
        assertRefused(body(csr, null, null), "dns-name-invalid");
        List<String> seventeen = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            seventeen.add("host" + i + ".example");
        }
        assertRefused(body(csr, seventeen, null), "dns-name-invalid");
    }

    @Test
    void badIpAddressesAreRefused() throws Exception {
        String csr = csr(ecKeys(), "CN=x");
        for (String bad : List.of("1.2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4/24", "localhost", "[::1]", "::1%lo", "1::2::3",
                " 127.0.0.1", "")) {
            JsonNode problem = assertRefused(body(csr, List.of("aero.local"), List.of("10.0.0.1", bad)), "ip-address-invalid");
            assertThat(problem.get("detail").asString()).as(bad).contains("ip_addresses[1]");
        }
        List<String> seventeen = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            seventeen.add("10.0.0." + i);
        }
        assertRefused(body(csr, List.of("aero.local"), seventeen), "ip-address-invalid");
    }

    private JsonNode assertRefused(String body, String slug) throws Exception {
        HttpResponse<String> response = post(SERVICE_AUTH, body);
        JsonNode problem = assertProblemResponse(response, 400);
        assertThat(problem.get("type").asString()).as(response.body()).isEqualTo("urn:aero:problem:" + slug);
        return problem;
    }

    private HttpResponse<String> post(String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUrl().resolve(PATH)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String body(String csr, List<String> dnsNames, List<String> ipAddresses) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("csr", csr);
        body.put("dns_names", dnsNames);
        body.put("ip_addresses", ipAddresses);
        return JSON.writeValueAsString(body);
    }

    private static KeyPair ecKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String csr(KeyPair keys, String subject) throws Exception {
        String algorithm = "RSA".equals(keys.getPublic().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
        return pem(new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), keys.getPublic())
                .build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())).getEncoded());
    }

    private static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";
    }

    private static void validateChain(X509Certificate cert, X509Certificate ca) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(List.of(cert)), parameters);
    }
}
