package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpClient;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.UserID;
import dev.aero.common.testing.TestServices;

/**
 * The platform as compose runs it, from nothing: {@code ./aero up --docker} on this machine
 * (the Docker engine, the Debian base image and every image made here), driven only through
 * the ports published on 127.0.0.1, as a desktop client would: the first admin signs up with
 * the setup token the launcher printed, a device registers and comes online on verkehr, a
 * command reaches it as a push through SP, command-server and verkehr, each in its container,
 * and an unlink with wipe is carried out.
 */
class ComposeDeploymentTest {

    private static final String PASSWORD = "correct horse battery staple";
    private static ComposeInstance platform;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startPlatform() throws Exception {
        // Without a Docker engine, and without dockerd to start one, this cannot run: a failure
        // where the test services are required (CI, ./aero test), a skip that says why elsewhere.
        if (!dockerAvailable()) {
            String why = "no Docker engine answers and there is no dockerd to start one (./aero deps installs docker.io)";
            if (TestServices.required()) {
                throw new IllegalStateException(why);
            }
            Assumptions.abort(why);
        }
        platform = new ComposeInstance(LauncherInstance.repositoryRoot(), Path.of("target", "e2e", "compose.log").toAbsolutePath());
        platform.start();
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void theFirstAdminADeviceAndAPushThroughTheComposeDeployment() throws Exception {
        // Every public HTTP port answers its readiness probe, without actuator.
        for (int port : List.of(8080, 25234, 9020, 8701, 8889, 8090)) {
            HttpResponse<String> ready = get(ComposeInstance.http(port).resolve("/readyz"));
            assertThat(ready.statusCode()).as("%d /readyz", port).isEqualTo(200);
            assertThat(get(ComposeInstance.http(port).resolve("/actuator/health")).statusCode()).as("%d /actuator", port)
                    .isEqualTo(404);
        }

        // The first admin, with the token ./aero up printed and ./aero setup-token prints again.
        String token = platform.setupToken();
        assertThat(platform.launcherLog()).contains("setup_token: " + token);
        SpClient anonymous = SpClient.create(ComposeInstance.http(8080));
        String email = "compose-admin@example.com";
        assertThat(anonymous.signUp(SignUp.firstAdmin(email, PASSWORD, "Ada", "Admin", "Compose Org", token)).role())
                .isEqualTo("ADMIN");
        SpClient admin = anonymous.withToken(anonymous.signIn(email, PASSWORD).token());

        // A device registers and comes online on verkehr.
        try (DesktopDevice device = DesktopDevice.register(admin, UserID.of(email), "compose desktop",
                URI.create("https://localhost:" + ComposeInstance.port(9021)), URI.create("https://localhost:" + ComposeInstance.port(8443)),
                "localhost", ComposeInstance.port(29438), false)) {
            device.goOnline();
            DesktopDevice.await(() -> admin.devices().stream().anyMatch(d -> Boolean.TRUE.equals(d.online())) ? true : null,
                    Duration.ofSeconds(30), "SP showing the device online (devman's view, from verkehr's events)");
            // A command pushed through the containers (SP's outbox, command-server, verkehr): the
            // user's new name makes its devices refetch names.
            long renamed = System.nanoTime();
            admin.updateName("Ada", "Lovelace");
            device.awaitPush(CommandType.INVALIDATE_USER_NAME_CACHE, renamed, Duration.ofSeconds(20));
            device.awaitHandled(CommandType.INVALIDATE_USER_NAME_CACHE, Duration.ofSeconds(20));

            // The unlink with wipe is carried out. Its push races verkehr closing the connection
            // of the certificate the unlink revoked; lost, the device reads it from its queue.
            long requested = System.nanoTime();
            admin.unlinkDevice(device.did, true);
            device.awaitHandled(CommandType.UNLINK_AND_WIPE_SELF, Duration.ofSeconds(20));
            System.out.printf("unlink with wipe carried out %d ms after the request (%s)%n",
                    Duration.ofNanos(System.nanoTime() - requested).toMillis(),
                    device.pushes.stream().anyMatch(p -> p.type() == CommandType.UNLINK_AND_WIPE_SELF) ? "pushed" : "read from the queue");
        }
    }

    private static boolean dockerAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "dockerd"))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin/dockerd")) || Files.exists(Path.of("/var/run/docker.sock"));
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
