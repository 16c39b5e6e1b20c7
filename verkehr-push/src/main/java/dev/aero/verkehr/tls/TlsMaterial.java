package dev.aero.verkehr.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.common.auth.ServiceCredential;
import dev.aero.verkehr.VerkehrProperties;

/**
 * The TLS listener's key material: the server key and certificate chain, and the platform CA
 * that client certificates must chain to. From files when configured; otherwise this node makes
 * its own key and has SP's CA certify it ({@code POST /api/v1/ca/service-certificates}, with the
 * deployment secret), and fetches the CA certificate from SP.
 *
 * @param key the server's private key
 * @param chain the server certificate first
 * @param ca the platform CA certificate
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> chain, X509Certificate ca) {

    public static final String SERVICE_NAME = "verkehr-push";

    public Instant notAfter() {
        return chain.getFirst().getNotAfter().toInstant();
    }

    /** Reads the configured files, or enrolls with SP when no certificate file is configured. */
    public static TlsMaterial obtain(VerkehrProperties settings, HttpClient http) throws IOException, GeneralSecurityException {
        VerkehrProperties.Tls tls = settings.tls();
        X509Certificate ca = configured(tls.caCertificateFile())
                ? certificates(Files.readString(tls.caCertificateFile())).getFirst()
                : fetchCa(settings.spUrl(), http);
        if (!tls.enrolls()) {
            List<X509Certificate> chain = certificates(Files.readString(tls.certificateFile()));
            PrivateKey key = privateKey(Files.readString(tls.privateKeyFile()));
            return new TlsMaterial(key, chain, ca);
        }
        return enroll(settings, http, ca);
    }

    private static boolean configured(Path p) {
        return p != null && !p.toString().isEmpty();
    }

    static X509Certificate fetchCa(URI spUrl, HttpClient http) throws IOException {
        HttpResponse<String> response = send(http, HttpRequest.newBuilder(spUrl.resolve("/api/v1/ca/certificate"))
                .timeout(Duration.ofSeconds(10)).GET().build());
        if (response.statusCode() != 200) {
            throw new IOException("SP answered " + response.statusCode() + " for the CA certificate");
        }
        try {
            return certificates(response.body()).getFirst();
        } catch (GeneralSecurityException e) {
            throw new IOException("SP's CA certificate does not parse", e);
        }
    }

    private static TlsMaterial enroll(VerkehrProperties settings, HttpClient http, X509Certificate ca)
            throws IOException, GeneralSecurityException {
        if (settings.deploymentSecret().isEmpty()) {
            throw new IOException("no certificate files and no deployment secret to enroll with SP (set AERO_DEPLOYMENT_SECRET)");
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        String csr;
        try {
            var request = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + SERVICE_NAME), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            StringWriter pem = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
                writer.writeObject(request);
            }
            csr = pem.toString();
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
        JsonMapper json = JsonMapper.builder().build();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("csr", csr);
        body.put("dns_names", settings.tls().hostnames());
        HttpResponse<String> response = send(http, HttpRequest.newBuilder(settings.spUrl().resolve("/api/v1/ca/service-certificates"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header(ServiceCredential.HEADER, new ServiceCredential(SERVICE_NAME, settings.deploymentSecret()).toHeaderValue())
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build());
        if (response.statusCode() != 200) {
            throw new IOException("SP refused to certify this node: HTTP " + response.statusCode() + " " + response.body());
        }
        JsonNode answer = json.readTree(response.body());
        List<X509Certificate> chain = new ArrayList<>(certificates(answer.path("certificate").asString()));
        X509Certificate issuer = certificates(answer.path("ca_certificate").asString()).getFirst();
        if (!issuer.equals(ca)) {
            throw new IOException("SP certified this node with a CA other than the one it publishes");
        }
        chain.add(issuer);
        return new TlsMaterial(keys.getPrivate(), chain, ca);
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    public static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (var c : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) c);
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException("no certificate in PEM");
        }
        return out;
    }

    static PrivateKey privateKey(String pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IOException("no private key in PEM");
        }
    }
}
