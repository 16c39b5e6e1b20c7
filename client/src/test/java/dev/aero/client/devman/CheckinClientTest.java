package dev.aero.client.devman;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.client.device.DeviceKeys;
import dev.aero.client.device.Pem;
import dev.aero.client.device.TestCa;
import dev.aero.common.id.DID;

/**
 * Check-ins against a scripted devman (TLS with client certificates, HTTP/1.1 written by hand):
 * one kept connection for many check-ins, a new one (and the check-in sent again) when devman
 * closed the kept one while it was idle, refusals and broken answers as exceptions.
 */
class CheckinClientTest {

    private static final String OK = """
            {"did": "%s", "time": "2026-12-07T10:00:00Z", "ip_address": "127.0.0.1", "checkin_interval_seconds": 60}""";

    private TestCa ca;
    private DID did;
    private X509Certificate deviceCertificate;
    private SSLContext device;
    private SSLServerSocket server;
    private Thread acceptor;
    /** Per connection (in order of acceptance), the request lines it carried. */
    private final List<List<String>> connections = new CopyOnWriteArrayList<>();
    private final List<Certificate> peers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        ca = TestCa.create("platform CA");
        did = DID.random();
        DeviceKeys keys = DeviceKeys.generate();
        deviceCertificate = ca.issueDevice(keys.certificationRequestPem(did));
        device = keys.sslContext(Pem.encode("CERTIFICATE", deviceCertificate.getEncoded()), ca.certificatePem());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
            acceptor.join(5000);
        }
    }

    /**
     * Starts the scripted devman: {@code script.apply(n)} answers the n-th request (counted over
     * all connections from 0) with raw bytes, or null to close that connection without answering.
     * {@code closeAfter} requests on one connection, devman closes it (its keep-alive ran out).
     */
    private URI devman(IntFunction<String> script, int closeAfter) throws Exception {
        KeyPair serverKeys = TestCa.ecKeys();
        server = (SSLServerSocket) ca.serverContext(serverKeys, ca.issueLocalhostServer(serverKeys.getPublic())).getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setWantClientAuth(true);
        int[] requests = {0};
        acceptor = Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                    peers.add(s.getSession().getPeerCertificates()[0]);
                    List<String> lines = new ArrayList<>();
                    connections.add(lines);
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    for (int onThis = 0; onThis < closeAfter; onThis++) {
                        String head = readHead(in);
                        if (head == null) {
                            break;
                        }
                        lines.add(head);
                        String answer = script.apply(requests[0]++);
                        if (answer == null) {
                            break;
                        }
                        out.write(answer.getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                } catch (IOException e) {
                    // the client went away, or the server socket closed: next connection or done
                }
            }
        });
        return URI.create("https://localhost:" + server.getLocalPort());
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private String ok() {
        String body = OK.formatted(did.hex());
        return "HTTP/1.1 200 \r\nContent-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body;
    }

    private String okChunked() {
        String body = OK.formatted(did.hex());
        String first = body.substring(0, 20);
        String rest = body.substring(20);
        return "HTTP/1.1 200 \r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(first.length())
                + "\r\n" + first + "\r\n" + Integer.toHexString(rest.length()) + ";ext=1\r\n" + rest + "\r\n0\r\n\r\n";
    }

    @Test
    void checkInsShareOneConnectionWithTheDevicesCertificate() throws Exception {
        URI base = devman(n -> n % 2 == 0 ? ok() : okChunked(), Integer.MAX_VALUE);
        try (CheckinClient client = new CheckinClient(base, device)) {
            for (int i = 0; i < 5; i++) {
                CheckinClient.CheckedIn checkedIn = client.checkin();
                assertThat(checkedIn.ipAddress()).isEqualTo("127.0.0.1");
                assertThat(checkedIn.interval()).isEqualTo(Duration.ofSeconds(60));
            }
            assertThat(client.connectionsOpened()).isEqualTo(1);
            assertThat(client.holdsConnection()).isTrue();
        }
        assertThat(connections).hasSize(1);
        assertThat(connections.getFirst()).hasSize(5).allSatisfy(head -> assertThat(head)
                .startsWith("POST /v1/checkin HTTP/1.1\r\n").contains("\r\nHost: localhost:" + server.getLocalPort() + "\r\n")
                .contains("\r\nContent-Length: 0\r\n"));
        assertThat(peers).containsExactly(deviceCertificate);
    }

    @Test
    void aConnectionDevmanClosedWhileIdleIsReplacedAndTheCheckInSentAgainOnTheNewOne() throws Exception {
        // devman answers one check-in per connection, then closes it (as its keep-alive runs out).
        URI base = devman(n -> ok(), 1);
        try (CheckinClient client = new CheckinClient(base, device)) {
            for (int i = 0; i < 3; i++) {
                assertThat(client.checkin().interval()).isEqualTo(Duration.ofSeconds(60));
            }
            assertThat(client.connectionsOpened()).isEqualTo(3);
        }
        // Every check-in reached devman once on a connection that answered it.
        assertThat(connections).hasSizeGreaterThanOrEqualTo(3);
        assertThat(connections.stream().mapToInt(List::size).sum()).isEqualTo(3);
    }

    @Test
    void aConnectionCloseAnswerIsHonouredAndTheNextCheckInOpensAnother() throws Exception {
        URI base = devman(n -> ok().replace("HTTP/1.1 200 \r\n", "HTTP/1.1 200 \r\nConnection: close\r\n"), Integer.MAX_VALUE);
        try (CheckinClient client = new CheckinClient(base, device)) {
            client.checkin();
            client.checkin();
            assertThat(client.connectionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void aRefusalIsARefusedExceptionAndTheConnectionStaysInUse() throws Exception {
        String problem = "{\"type\": \"urn:aero:problem:certificate-revoked\", \"status\": 401}";
        URI base = devman(n -> n == 0
                ? "HTTP/1.1 401 \r\nContent-Type: application/problem+json\r\nContent-Length: " + problem.length() + "\r\n\r\n" + problem
                : ok(), Integer.MAX_VALUE);
        try (CheckinClient client = new CheckinClient(base, device)) {
            assertThatThrownBy(client::checkin).isInstanceOfSatisfying(CheckinClient.RefusedException.class, e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.getMessage()).contains("certificate-revoked");
            });
            assertThat(client.checkin().ipAddress()).isEqualTo("127.0.0.1");
            assertThat(client.connectionsOpened()).isEqualTo(1);
        }
    }

    @Test
    void brokenAnswersAreIOExceptionsAndTheNextCheckInStartsClean() throws Exception {
        String huge = "x".repeat(70 * 1024);
        URI base = devman(n -> switch (n) {
            case 0 -> "SMTP ready\r\n\r\n";
            case 1 -> "HTTP/1.1 200 \r\nContent-Length: " + huge.length() + "\r\n\r\n" + huge;
            case 2 -> "HTTP/1.1 200 \r\nContent-Length: 50\r\n\r\n{\"short\"";
            default -> ok();
        }, 1);
        try (CheckinClient client = new CheckinClient(base, device)) {
            assertThatThrownBy(client::checkin).isInstanceOf(IOException.class).hasMessageContaining("not an HTTP answer");
            assertThatThrownBy(client::checkin).isInstanceOf(IOException.class).hasMessageContaining("over 65536 bytes");
            assertThatThrownBy(client::checkin).isInstanceOf(IOException.class).hasMessageContaining("ended early");
            assertThat(client.checkin().ipAddress()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void closedClientRefusesCheckIns() throws Exception {
        URI base = devman(n -> ok(), Integer.MAX_VALUE);
        CheckinClient client = new CheckinClient(base, device);
        client.checkin();
        client.close();
        assertThat(client.holdsConnection()).isFalse();
        assertThatThrownBy(() -> client.start(e -> { })).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(client::checkin).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> new CheckinClient(URI.create("http://localhost:8702"), device)).isInstanceOf(IllegalArgumentException.class);
    }
}
