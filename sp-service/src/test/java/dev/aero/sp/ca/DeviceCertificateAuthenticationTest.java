package dev.aero.sp.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import javax.net.ssl.SSLContext;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.SpClient;
import dev.aero.common.id.DID;
import dev.aero.common.id.UserID;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;

/**
 * Device endpoints over SP's HTTPS listener: the certificate is checked for chain, expiry,
 * revocation and identity on every request.
 */
@SpServiceTest
class DeviceCertificateAuthenticationTest extends SpTestSupport {

    @Autowired
    DeviceTlsListener listener;

    @Autowired
    DeviceCertificateIssuer issuer;

    @Autowired
    org.springframework.transaction.support.TransactionTemplate tx;

    @Test
    void recertifyOverMutualTlsIssuesANewCertificateAndRevokesTheOld() throws Exception {
        Account owner = member("recert");
        RegisteredDevice device = register(owner);
        SpClient asDevice = tlsClient(device.keys(), device.certificate());

        DeviceKeys newKeys = DeviceKeys.generate();
        DeviceCertificate renewed = asDevice.recertify(device.id(), newKeys.certificationRequestPem(device.id()));
        X509Certificate oldCert = pemCert(device.certificate().certificate());
        X509Certificate newCert = pemCert(renewed.certificate());
        assertThat(newCert.getSerialNumber()).isNotEqualTo(oldCert.getSerialNumber());
        assertThat(newCert.getPublicKey()).isEqualTo(newKeys.keyPair().getPublic());

        assertProblem(problem(() -> asDevice.recertify(device.id(), newKeys.certificationRequestPem(device.id()))), 401,
                "certificate-revoked");
        X509CRL crl = anonymous().parsedCrl();
        assertThat(crl.getRevokedCertificate(oldCert.getSerialNumber())).isNotNull();
        assertThat(crl.getRevokedCertificate(newCert.getSerialNumber())).isNull();

        SpClient renewedDevice = tlsClient(newKeys, renewed);
        assertThat(renewedDevice.recertify(device.id(), newKeys.certificationRequestPem(device.id())).deviceId())
                .isEqualTo(device.id());
    }

    @Test
    void certificateOfAnUnlinkedDeviceIsRefused() {
        Account owner = member("unlinked");
        RegisteredDevice device = register(owner);
        owner.client().unlinkDevice(device.id(), false);
        SpClient asDevice = tlsClient(device.keys(), device.certificate());
        assertProblem(problem(() -> asDevice.recertify(device.id(), device.keys().certificationRequestPem(device.id()))), 401,
                "certificate-revoked");
    }

    @Test
    void expiredCertificateIsRefused() {
        Account owner = member("expired");
        RegisteredDevice device = register(owner);
        DeviceCertificationRequest csr = DeviceCertificationRequest.parse(device.keys().certificationRequestPem(device.id()));
        Instant now = Instant.now();
        String expired = tx.execute(s -> issuer.issue(csr, UserID.of(owner.email()), now.minus(Duration.ofDays(2)),
                now.minus(Duration.ofDays(1))).pem());
        SpClient asDevice = tlsClient(device.keys(), new DeviceCertificate(device.id(), expired, device.certificate().caCertificate()));
        assertProblem(problem(() -> asDevice.recertify(device.id(), device.keys().certificationRequestPem(device.id()))), 401,
                "certificate-expired");
    }

    @Test
    void certificateFromAnotherCaIsRefused() throws Exception {
        Account owner = member("forged");
        RegisteredDevice device = register(owner);
        String forged = selfIssued(device.keys().keyPair(), device.id(), owner.email());
        SpClient asForger = tlsClient(device.keys(), new DeviceCertificate(device.id(), forged, device.certificate().caCertificate()));
        assertProblem(problem(() -> asForger.recertify(device.id(), device.keys().certificationRequestPem(device.id()))), 401,
                "certificate-untrusted");
    }

    @Test
    void aDeviceCannotRecertifyAnother() {
        Account owner = member("two");
        RegisteredDevice a = register(owner);
        RegisteredDevice b = register(owner);
        SpClient asA = tlsClient(a.keys(), a.certificate());
        assertProblem(problem(() -> asA.recertify(b.id(), a.keys().certificationRequestPem(b.id()))), 403, "device-mismatch");
        assertProblem(problem(() -> asA.recertify(a.id(), b.keys().certificationRequestPem(b.id()))), 400, "csr-subject-invalid");
    }

    @Test
    void withoutACertificateDeviceEndpointsAreRefused() throws Exception {
        Account owner = member("nocert");
        RegisteredDevice device = register(owner);
        String csr = device.keys().certificationRequestPem(device.id());
        assertProblem(problem(() -> anonymous().recertify(device.id(), csr)), 401, "certificate-required");
        SpClient tlsWithoutCertificate = SpClient.builder(URI.create("https://127.0.0.1:" + listener.localPort()))
                .sslContext(trustingOnly(pemCert(device.certificate().caCertificate()))).build();
        assertProblem(problem(() -> tlsWithoutCertificate.recertify(device.id(), csr)), 401, "certificate-required");
        // A forwarded certificate header from an address that is not a trusted proxy is ignored.
        String header = URLEncoder.encode(device.certificate().certificate(), StandardCharsets.US_ASCII);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/devices/" + device.id().hex() + "/certificate"))
                .header("Content-Type", "application/json").header("X-Client-Certificate", header)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(java.util.Map.of("csr", csr)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(assertProblemResponse(response, 401).get("type").asString()).isEqualTo("urn:aero:problem:certificate-required");
    }

    @Test
    void deactivatingAUserRevokesEveryCertificateOfItsDevices() throws Exception {
        Account owner = member("leaver");
        RegisteredDevice a = register(owner);
        RegisteredDevice b = register(owner);
        admin().client().deactivate(owner.email(), false);

        X509CRL crl = anonymous().parsedCrl();
        for (RegisteredDevice d : new RegisteredDevice[] { a, b }) {
            assertThat(crl.getRevokedCertificate(pemCert(d.certificate().certificate()).getSerialNumber())).isNotNull();
            SpClient asDevice = tlsClient(d.keys(), d.certificate());
            assertProblem(problem(() -> asDevice.recertify(d.id(), d.keys().certificationRequestPem(d.id()))), 401,
                    "certificate-revoked");
        }
    }

    private SpClient tlsClient(DeviceKeys keys, DeviceCertificate certificate) {
        return SpClient.builder(URI.create("https://127.0.0.1:" + listener.localPort()))
                .sslContext(keys.sslContext(certificate.certificate(), certificate.caCertificate())).build();
    }

    private static SSLContext trustingOnly(X509Certificate ca) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static X509Certificate pemCert(String pem) {
        return PemReader.certificate(pem);
    }

    private static String selfIssued(KeyPair deviceKeys, DID device, String email) throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair rogue = kpg.generateKeyPair();
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Aero Platform CA,O=Aero"), BigInteger.valueOf(42),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + device.hex()),
                deviceKeys.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.rfc822Name, email)));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(rogue.getPrivate())));
        return Pem.encode(cert);
    }
}
