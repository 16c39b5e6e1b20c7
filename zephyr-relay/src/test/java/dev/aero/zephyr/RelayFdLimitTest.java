package dev.aero.zephyr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import dev.aero.client.zephyr.ZephyrClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Out of file descriptors, the relay keeps going: new connections are refused and counted,
 * existing pairs keep relaying, and it accepts again once descriptors are free. Runs the relay
 * in a child JVM whose open-file limit is lowered, so the test JVM keeps its own.
 */
@EnabledOnOs(OS.LINUX)
class RelayFdLimitTest {

    private static final int FD_LIMIT = 700;
    private Process relay;
    private final List<ZephyrClient> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (ZephyrClient c : clients) {
            c.close();
        }
        if (relay != null) {
            relay.destroy();
            relay.waitFor();
        }
    }

    @Test
    void atTheFdLimitNewConnectionsAreRefusedExistingPairsWorkAndAcceptingResumes() throws Exception {
        int port = freePort();
        int httpPort = freePort();
        int managementPort = freePort();
        Path log = Files.createTempFile("relay-fd", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "ulimit -n " + FD_LIMIT + " && exec '" + java + "' -XX:+UseSerialGC -Xmx192m -cp '"
                + System.getProperty("java.class.path") + "' dev.aero.zephyr.ZephyrRelayApplication"
                + " --aero.zephyr.host=127.0.0.1 --aero.zephyr.port=" + port + " --server.port=" + httpPort + " --management.server.port=" + managementPort
                + " --aero.zephyr.fd-reserve=8 --aero.zephyr.bind-deadline=60s --spring.main.banner-mode=off";
        relay = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitHealthy(managementPort, log.toFile());
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);

        // Pair up clients until the relay starts refusing.
        List<Socket[]> pairs = new ArrayList<>();
        int refused = 0;
        for (int attempt = 0; attempt < FD_LIMIT && refused < 3; attempt++) {
            ZephyrClient a = tryConnect(address);
            ZephyrClient b = a == null ? null : tryConnect(address);
            if (a == null || b == null) {
                refused++;
                if (a != null) {
                    a.close();
                }
                continue;
            }
            clients.add(a);
            clients.add(b);
            Socket sa = a.bind(b.zid());
            Socket sb = b.bind(a.zid());
            sa.setSoTimeout(10_000);
            sb.setSoTimeout(10_000);
            pairs.add(new Socket[] { sa, sb });
        }
        assertThat(refused).as("the relay ran out of descriptors and refused").isEqualTo(3);
        assertThat(pairs.size()).isGreaterThan(50);
        assertThat(relay.isAlive()).isTrue();
        JsonNode status = status(httpPort);
        assertThat(status.get("refused").get("fd_limit").asLong()).isPositive();

        // Every established pair still relays, both ways.
        for (int i = 0; i < pairs.size(); i++) {
            Socket[] p = pairs.get(i);
            p[0].getOutputStream().write(i & 0x7f);
            p[1].getOutputStream().write((i + 1) & 0x7f);
            assertThat(p[1].getInputStream().read()).isEqualTo(i & 0x7f);
            assertThat(p[0].getInputStream().read()).isEqualTo((i + 1) & 0x7f);
        }

        // Free half the pairs: the relay accepts again.
        for (int i = 0; i < pairs.size() / 2; i++) {
            pairs.get(i)[0].close();
            pairs.get(i)[1].close();
        }
        ZephyrClient again = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (again == null && System.nanoTime() < deadline) {
            again = tryConnect(address);
            if (again == null) {
                Thread.sleep(200);
            }
        }
        assertThat(again).as("accepting resumed").isNotNull();
        clients.add(again);
        assertThat(status(httpPort).get("accepting").asBoolean()).isTrue();
    }

    private static ZephyrClient tryConnect(InetSocketAddress address) {
        try {
            return ZephyrClient.connect(address, Duration.ofSeconds(3));
        } catch (IOException e) {
            return null;
        }
    }

    private static JsonNode status(int httpPort) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        return JsonMapper.builder().build().readTree(response.body());
    }

    private void awaitHealthy(int managementPort, File log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(relay.isAlive()).as("relay process died: " + Files.readString(log.toPath())).isTrue();
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("relay did not start: " + Files.readString(log.toPath()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
