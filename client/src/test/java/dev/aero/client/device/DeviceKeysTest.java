package dev.aero.client.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.aero.common.id.DID;

/** Keys, CSRs as SP's CA reads them, and mutual TLS against a server certified by a throwaway CA. */
class DeviceKeysTest {

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void ecCsrIsSignedByTheP256KeyWithSubjectExactlyTheDeviceId() throws Exception {
        DeviceKeys keys = DeviceKeys.generate();
        DID did = DID.random();

        String pem = keys.certificationRequestPem(did);

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----\n").endsWith("-----END CERTIFICATE REQUEST-----\n");
        PKCS10CertificationRequest csr = Csrs.parse(pem);
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))).isTrue();
        assertThat(csr.getSignatureAlgorithm().getAlgorithm()).isEqualTo(X9ObjectIdentifiers.ecdsa_with_SHA256);
        assertThat(csr.getSubject().toString()).isEqualTo("CN=" + did.hex());
        RDN[] rdns = csr.getSubject().getRDNs();
        assertThat(rdns).hasSize(1);
        assertThat(rdns[0].getFirst().getType()).isEqualTo(BCStyle.CN);
        assertThat(csr.getSubjectPublicKeyInfo().getAlgorithm().getParameters())
                .isEqualTo(SECObjectIdentifiers.secp256r1);
        assertThat(csr.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(keys.keyPair().getPublic().getEncoded());
        assertThat(((ECPublicKey) keys.keyPair().getPublic()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    }

    @Test
    void rsaCsrIsSignedWithSha256WithRsa() throws Exception {
        DeviceKeys keys = DeviceKeys.generateRsa(2048);
        DID did = DID.random();

        PKCS10CertificationRequest csr = Csrs.parse(keys.certificationRequestPem(did));

        assertThat(((RSAPublicKey) keys.keyPair().getPublic()).getModulus().bitLength()).isEqualTo(2048);
        assertThat(csr.getSignatureAlgorithm().getAlgorithm()).isEqualTo(PKCSObjectIdentifiers.sha256WithRSAEncryption);
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))).isTrue();
        assertThat(csr.getSubject().toString()).isEqualTo("CN=" + did.hex());
    }

    @Test
    void sslContextCompletesMutualTlsAndTheServerSeesTheDeviceCertificate() throws Exception {
        TestCa ca = TestCa.create("test platform CA");
        DeviceKeys keys = DeviceKeys.generate();
        X509Certificate deviceCertificate = ca.issueDevice(keys.certificationRequestPem(DID.random()));
        SSLContext device = keys.sslContext(Pem.encode("CERTIFICATE", deviceCertificate.getEncoded()), ca.certificatePem());

        try (SSLServerSocket server = serverCertifiedBy(ca)) {
            CompletableFuture<Certificate[]> seenByServer = new CompletableFuture<>();
            threads.submit(() -> {
                try (SSLSocket accepted = (SSLSocket) server.accept()) {
                    accepted.startHandshake();
                    seenByServer.complete(accepted.getSession().getPeerCertificates());
                    accepted.getOutputStream().write(42);
                } catch (IOException e) {
                    seenByServer.completeExceptionally(e);
                }
                return null;
            });

            try (SSLSocket client = (SSLSocket) device.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                client.startHandshake();
                assertThat(client.getInputStream().read()).isEqualTo(42);
                X509Certificate serverCertificate = (X509Certificate) client.getSession().getPeerCertificates()[0];
                assertThat(serverCertificate.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
            }
            assertThat(seenByServer.get(10, TimeUnit.SECONDS)).containsExactly(deviceCertificate);
        }
    }

    @Test
    void sslContextTrustsOnlyTheGivenCa() throws Exception {
        TestCa platform = TestCa.create("platform CA");
        TestCa stranger = TestCa.create("some other CA");
        DeviceKeys keys = DeviceKeys.generate();
        X509Certificate deviceCertificate = platform.issueDevice(keys.certificationRequestPem(DID.random()));
        SSLContext device = keys.sslContext(Pem.encode("CERTIFICATE", deviceCertificate.getEncoded()), platform.certificatePem());

        try (SSLServerSocket server = serverCertifiedBy(stranger)) {
            threads.submit(() -> {
                try (SSLSocket accepted = (SSLSocket) server.accept()) {
                    accepted.startHandshake();
                }
                return null;
            });
            try (SSLSocket client = (SSLSocket) device.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                assertThatThrownBy(client::startHandshake).isInstanceOf(SSLHandshakeException.class);
            }
        }
    }

    @Test
    void sslContextRefusesACertificateForAnotherKey() throws Exception {
        TestCa ca = TestCa.create("test platform CA");
        X509Certificate someoneElses = ca.issueDevice(DeviceKeys.generate().certificationRequestPem(DID.random()));

        assertThatThrownBy(() -> DeviceKeys.generate().sslContext(Pem.encode("CERTIFICATE", someoneElses.getEncoded()), ca.certificatePem()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not for this device's key");
    }

    @Test
    void parseCertificateReadsPemAndRejectsOtherText() throws Exception {
        TestCa ca = TestCa.create("test platform CA");

        assertThat(Pem.parseCertificate("\n" + ca.certificatePem())).isEqualTo(ca.certificate());
        assertThatThrownBy(() -> Pem.parseCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static SSLServerSocket serverCertifiedBy(TestCa ca) throws Exception {
        var serverKeys = TestCa.ecKeys();
        SSLContext context = ca.serverContext(serverKeys, ca.issueLocalhostServer(serverKeys.getPublic()));
        SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        return server;
    }
}
