package dev.aero.client.ssmp;

import dev.aero.common.ssmp.SsmpSyntax;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.device.Pem;
import dev.aero.client.device.TestCa;
import dev.aero.client.ssmp.ScriptedSsmpServer.Peer;
import dev.aero.common.id.DID;

/** The client the way a device runs it: mutual TLS with its certificate, the server's name checked. */
class SsmpClientTlsTest {

    private static TestCa ca;
    private static DID did;
    private static X509Certificate deviceCertificate;
    private static SSLContext device;
    private static SSLContext serverContext;

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final RecordingListener heard = new RecordingListener();
    private ScriptedSsmpServer server;
    private SsmpClient client;

    @BeforeAll
    static void certify() throws Exception {
        ca = TestCa.create("platform CA");
        did = DID.random();
        DeviceKeys keys = DeviceKeys.generate();
        deviceCertificate = ca.issueDevice(keys.certificationRequestPem(did));
        device = keys.sslContext(Pem.encode("CERTIFICATE", deviceCertificate.getEncoded()), ca.certificatePem());
        KeyPair serverKeys = TestCa.ecKeys();
        serverContext = ca.serverContext(serverKeys, ca.issueLocalhostServer(serverKeys.getPublic()));
    }

    @BeforeEach
    void start() throws Exception {
        server = ScriptedSsmpServer.tls(serverContext);
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
        threads.shutdownNow();
    }

    private SsmpClient.Builder builder(String host) {
        return SsmpClient.builder(host, server.port()).sslContext(device)
                .login(did.hex(), SsmpSyntax.SCHEME_CERT, null)
                .listener(heard)
                .connectTimeout(Duration.ofSeconds(3))
                .closeTimeout(Duration.ofMillis(100));
    }

    @Test
    void logsInWithTheDeviceCertificateOverMutualTls() throws Exception {
        client = builder("localhost").build();
        Future<?> connecting = threads.submit(() -> {
            client.connect();
            return null;
        });
        Peer peer = server.accept();
        assertThat(peer.readLine()).isEqualTo("LOGIN " + did.hex() + " cert");
        assertThat(((SSLSocket) peer.socket).getSession().getPeerCertificates()[0]).isEqualTo(deviceCertificate);
        peer.send("200\n");
        connecting.get(5, TimeUnit.SECONDS);
        assertThat(heard.next()).isEqualTo("connected");

        peer.send("000 . PING\n");
        assertThat(peer.readLine()).isEqualTo("PONG");
    }

    @Test
    void aServerWhoseCertificateDoesNotNameTheHostIsRefused() throws Exception {
        // The server's certificate names localhost and 127.0.0.1, not 127.0.0.2.
        client = builder("127.0.0.2").build();
        Future<?> connecting = threads.submit(() -> {
            client.connect();
            return null;
        });
        Peer peer = server.accept();
        // Reading drives the server's side of the handshake, which the client aborts: an alert or,
        // depending on timing, a connection already gone.
        assertThatThrownBy(peer::readLine).isInstanceOf(java.io.IOException.class);
        assertThatThrownBy(() -> connecting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(SSLHandshakeException.class);
        assertThat(client.isConnected()).isFalse();
    }

    @Test
    void hostnameVerificationCanBeTurnedOff() throws Exception {
        client = builder("127.0.0.2").verifyHostname(false).build();
        Future<?> connecting = threads.submit(() -> {
            client.connect();
            return null;
        });
        server.accept().login("LOGIN " + did.hex() + " cert");
        connecting.get(5, TimeUnit.SECONDS);
        assertThat(client.isConnected()).isTrue();
    }

    @Test
    void aClientWithoutTlsSettingsIsNotBuilt() {
        assertThatThrownBy(() -> SsmpClient.builder("localhost", 29438).login("x", "open", null).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sslContext");
        assertThatThrownBy(() -> SsmpClient.builder("localhost", 29438).sslContext(device).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("login");
    }
}
