package dev.aero.common.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerInitializedEvent;

import dev.aero.common.testing.TestPki;

/**
 * The device listener's health: DOWN from the start until its connector listens (so a launcher
 * waiting for health never hands out a port that refuses devices), then UP; DOWN and retried
 * while its port is taken; UP when disabled.
 */
class DeviceTlsListenerHealthTest {

    /** SP's address in these tests: nothing listens there, so enrollment could never succeed. */
    private static final URI NO_SP = URI.create("http://127.0.0.1:9");

    private static DeviceTlsSettings settings(boolean enabled, TestPki pki) {
        return settings(enabled, pki, Duration.ofSeconds(60));
    }

    private static DeviceTlsSettings settings(boolean enabled, TestPki pki, Duration keepAlive) {
        return new DeviceTlsSettings(enabled, "127.0.0.1", 0, pki == null ? "" : pki.serverCertificateFile().toString(),
                pki == null ? "" : pki.serverKeyFile().toString(), pki == null ? "" : pki.caFile().toString(), List.of("localhost"),
                keepAlive, 16384);
    }

    private static DeviceTlsListener listener(DeviceTlsSettings settings) {
        return new DeviceTlsListener("test", settings, NO_SP, "secret", HttpClient.newHttpClient(), material -> { });
    }

    /** Starts a Tomcat, tells the listener it is up (as Boot does), runs {@code then}, stops it. */
    private static void onStartedTomcat(DeviceTlsListener listener, Check then) throws Exception {
        WebServer server = new TomcatServletWebServerFactory(0).getWebServer();
        server.start();
        try {
            listener.onApplicationEvent(new ServletWebServerInitializedEvent(server, null));
            then.run();
        } finally {
            server.stop();
        }
    }

    @FunctionalInterface
    private interface Check {
        void run() throws Exception;
    }

    @Test
    void downUntilTheConnectorListensThenUp() throws Exception {
        TestPki pki = new TestPki(Path.of("target", "test-pki", "listener-" + UUID.randomUUID()));
        DeviceTlsListener listener = listener(settings(true, pki));
        assertThat(listener.health().getStatus()).isEqualTo(Status.DOWN);
        onStartedTomcat(listener, () -> {
            assertThat(listener.awaitListening(Duration.ofSeconds(20))).isTrue();
            assertThat(listener.health().getStatus()).isEqualTo(Status.UP);
            // UP means a device can complete a TLS handshake there.
            try (SSLSocket socket = (SSLSocket) pki.clientContext(pki.device("d1", "u1")).getSocketFactory()
                    .createSocket("127.0.0.1", listener.port())) {
                socket.startHandshake();
                assertThat(socket.getSession().getPeerCertificates()).isNotEmpty();
            }
        });
    }

    @Test
    void aDeviceConnectionServesRequestAfterRequestAndIsClosedOnceIdleForTheKeepAlive() throws Exception {
        TestPki pki = new TestPki(Path.of("target", "test-pki", "listener-" + UUID.randomUUID()));
        Duration keepAlive = Duration.ofMillis(1500);
        DeviceTlsListener listener = listener(settings(true, pki, keepAlive));
        onStartedTomcat(listener, () -> {
            assertThat(listener.awaitListening(Duration.ofSeconds(20))).isTrue();
            try (SSLSocket socket = (SSLSocket) pki.clientContext(pki.device("d1", "u1")).getSocketFactory()
                    .createSocket("127.0.0.1", listener.port())) {
                socket.setSoTimeout(20_000);
                java.io.InputStream in = socket.getInputStream();
                // More requests than Tomcat's default limit per connection (100), all on this one.
                for (int i = 0; i < 120; i++) {
                    socket.getOutputStream().write("GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    String head = readHead(in);
                    assertThat(head).as("answer %d", i).startsWith("HTTP/1.1 404").doesNotContainIgnoringCase("connection: close");
                    skipBody(in, head);
                }
                long idleSince = System.nanoTime();
                assertThat(in.read()).as("the server closes the idle connection").isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isGreaterThanOrEqualTo(keepAlive.minusMillis(100));
            }
        });
    }

    private static String readHead(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    private static void skipBody(java.io.InputStream in, String head) throws java.io.IOException {
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
            return;
        }
        // chunked: size lines until the last (0) chunk and its empty trailer line
        while (true) {
            String size = line(in);
            int n = Integer.parseInt(size.trim(), 16);
            if (n == 0) {
                line(in);
                return;
            }
            in.readNBytes(n);
            line(in);
        }
    }

    private static String line(java.io.InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new java.io.EOFException();
            }
            b.append((char) c);
        }
        return b.toString().replace("\r", "");
    }

    @Test
    void staysDownWhileEnrollmentCannotReachSp() throws Exception {
        DeviceTlsListener listener = listener(settings(true, null));
        onStartedTomcat(listener, () -> {
            assertThat(listener.awaitListening(Duration.ofSeconds(2))).isFalse();
            assertThat(listener.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(listener.health().getDetails()).containsKey("reason");
        });
    }

    @Test
    void staysClosedWhileItsReadyStepFailsAndOpensOnceItSucceeds() throws Exception {
        TestPki pki = new TestPki(Path.of("target", "test-pki", "listener-" + UUID.randomUUID()));
        AtomicInteger attempts = new AtomicInteger();
        DeviceTlsListener listener = new DeviceTlsListener("test", settings(true, pki), NO_SP, "secret", HttpClient.newHttpClient(),
                material -> {
                    if (attempts.incrementAndGet() < 3) {
                        assertThat(material.ca()).isEqualTo(pki.ca());
                        throw new IllegalStateException("not yet");
                    }
                });
        onStartedTomcat(listener, () -> {
            assertThat(listener.awaitListening(Duration.ofMillis(1200))).isFalse();
            assertThat(listener.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(listener.awaitListening(Duration.ofSeconds(20))).isTrue();
            assertThat(attempts.get()).isEqualTo(3);
            assertThat(listener.health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void aPortInUseKeepsItDownAndRetriedUntilThePortIsFree() throws Exception {
        TestPki pki = new TestPki(Path.of("target", "test-pki", "listener-" + UUID.randomUUID()));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            DeviceTlsSettings onTakenPort = new DeviceTlsSettings(true, "127.0.0.1", port, pki.serverCertificateFile().toString(),
                    pki.serverKeyFile().toString(), pki.caFile().toString(), List.of("localhost"), Duration.ofSeconds(60), 16384);
            DeviceTlsListener listener = listener(onTakenPort);
            onStartedTomcat(listener, () -> {
                // Not reported as listening (on port -1) while something else holds the port ...
                assertThat(listener.awaitListening(Duration.ofMillis(1500))).isFalse();
                assertThat(listener.health().getStatus()).isEqualTo(Status.DOWN);
                // ... and listening there once it is free.
                taken.close();
                assertThat(listener.awaitListening(Duration.ofSeconds(20))).isTrue();
                assertThat(listener.port()).isEqualTo(port);
                assertThat(listener.health().getStatus()).isEqualTo(Status.UP);
            });
        }
    }

    @Test
    void upWhenDisabled() {
        DeviceTlsListener listener = listener(settings(false, null));
        assertThat(listener.health().getStatus()).isEqualTo(Status.UP);
        assertThat(listener.health().getDetails()).containsEntry("listener", "disabled");
    }
}
