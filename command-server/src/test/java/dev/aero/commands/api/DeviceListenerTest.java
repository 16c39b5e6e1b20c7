package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.tls.DeviceTlsListener;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestPki;

/** Base of the tests that reach the device HTTPS listener: a test CA, its files, and a listener on a free port. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
abstract class DeviceListenerTest {

    static TestPki pki;

    @Autowired
    CommandQueues queues;

    @Autowired
    DeviceTlsListener listener;

    @DynamicPropertySource
    static void tls(DynamicPropertyRegistry registry) throws Exception {
        pki = new TestPki(Path.of("target", "test-pki", "cmd-" + UUID.randomUUID()));
        registry.add("aero.commands.device-tls.port", () -> 0);
        registry.add("aero.commands.device-tls.host", () -> "127.0.0.1");
        registry.add("aero.commands.device-tls.certificate-file", () -> pki.serverCertificateFile().toAbsolutePath().toString());
        registry.add("aero.commands.device-tls.private-key-file", () -> pki.serverKeyFile().toAbsolutePath().toString());
        registry.add("aero.commands.device-tls.ca-certificate-file", () -> pki.caFile().toAbsolutePath().toString());
        // Nothing listens there: pushes fail and are left to the retry sweep.
        registry.add("aero.commands.verkehr-url", () -> "http://127.0.0.1:9");
    }

    @BeforeEach
    void listening() throws InterruptedException {
        assertThat(listener.awaitListening(Duration.ofSeconds(20))).isTrue();
    }
}
