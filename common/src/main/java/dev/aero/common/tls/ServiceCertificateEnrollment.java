package dev.aero.common.tls;

import dev.aero.common.http.ServiceHttpClient;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;


/**
 * How a platform service gets a TLS server certificate from the platform CA in SP: it makes its
 * own EC P-256 key, sends a CSR to {@code POST /api/v1/ca/service-certificates} with the
 * deployment secret, and checks that the issuer is the CA SP publishes at
 * {@code GET /api/v1/ca/certificate}. The key never leaves the service.
 */
public final class ServiceCertificateEnrollment {

    /**
     * A service's TLS key material.
     *
     * @param key the private key
     * @param chain the service's certificate first
     * @param ca the platform CA, which client certificates must chain to
     */
    public record KeyMaterial(PrivateKey key, List<X509Certificate> chain, X509Certificate ca) {
        public java.time.Instant notAfter() {
            return chain.getFirst().getNotAfter().toInstant();
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ServiceCertificateEnrollment() {
    }

    /**
     * The key material a service is configured with: from PEM files when {@code certificateFile}
     * is set (the key in {@code privateKeyFile}), else enrolled with SP; the CA from
     * {@code caCertificateFile} when set, else fetched from SP. Empty or null file names count as unset.
     */
    public static KeyMaterial obtain(HttpClient http, URI spUrl, String serviceName, String deploymentSecret, List<String> hostnames,
            String certificateFile, String privateKeyFile, String caCertificateFile) throws IOException, GeneralSecurityException {
        X509Certificate ca = ca(http, spUrl, caCertificateFile);
        if (!isSet(certificateFile)) {
            return enroll(http, spUrl, serviceName, deploymentSecret, hostnames, ca);
        }
        return new KeyMaterial(privateKey(Files.readString(Path.of(privateKeyFile))),
                certificates(Files.readString(Path.of(certificateFile))), ca);
    }

    /** The platform CA: from {@code caCertificateFile} when set, else fetched from SP. */
    public static X509Certificate ca(HttpClient http, URI spUrl, String caCertificateFile) throws IOException, GeneralSecurityException {
        return isSet(caCertificateFile) ? certificates(Files.readString(Path.of(caCertificateFile))).getFirst() : fetchCa(http, spUrl);
    }

    private static boolean isSet(String file) {
        return file != null && !file.isEmpty();
    }

    /** A private key from PEM: PKCS#8, or a traditional EC or RSA key. */
    public static PrivateKey privateKey(String pem) throws IOException {
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

    /** The platform CA certificate SP publishes. */
    public static X509Certificate fetchCa(HttpClient http, URI spUrl) throws IOException {
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

    /** Enrolls {@code serviceName} for {@code hostnames}; the chain ends with {@code ca}. */
    public static KeyMaterial enroll(HttpClient http, URI spUrl, String serviceName, String deploymentSecret, List<String> hostnames,
            X509Certificate ca) throws IOException, GeneralSecurityException {
        if (deploymentSecret == null || deploymentSecret.isEmpty()) {
            throw new IOException("no deployment secret to enroll with SP (set AERO_DEPLOYMENT_SECRET)");
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        String csr;
        try {
            var request = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + serviceName), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            StringWriter pem = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
                writer.writeObject(request);
            }
            csr = pem.toString();
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("csr", csr);
        body.put("dns_names", hostnames);
        HttpResponse<String> response;
        try {
            response = new ServiceHttpClient(http, serviceName, deploymentSecret)
                    .send("POST", spUrl.resolve("/api/v1/ca/service-certificates"), JSON.writeValueAsString(body), Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking SP for a certificate", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("SP refused to certify " + serviceName + ": HTTP " + response.statusCode() + " " + response.body());
        }
        JsonNode answer = JSON.readTree(response.body());
        List<X509Certificate> chain = new ArrayList<>(certificates(answer.path("certificate").asString()));
        X509Certificate issuer = certificates(answer.path("ca_certificate").asString()).getFirst();
        if (!issuer.equals(ca)) {
            throw new IOException("SP certified " + serviceName + " with a CA other than the one it publishes");
        }
        chain.add(issuer);
        return new KeyMaterial(keys.getPrivate(), chain, ca);
    }

    /** Every certificate in a PEM text. */
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

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
