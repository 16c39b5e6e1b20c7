package dev.aero.common.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
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
        return new DeviceTlsSettings(enabled, "127.0.0.1", 0, pki == null ? "" : pki.serverCertificateFile().toString(),
                pki == null ? "" : pki.serverKeyFile().toString(), pki == null ? "" : pki.caFile().toString(), List.of("localhost"));
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
                    pki.serverKeyFile().toString(), pki.caFile().toString(), List.of("localhost"));
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
