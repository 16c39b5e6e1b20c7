package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import tools.jackson.databind.JsonNode;

import dev.aero.client.commands.CommandClient;
import dev.aero.client.sp.Device;
import dev.aero.client.sp.Member;
import dev.aero.client.sp.SpApiException;
import dev.aero.client.sp.SpClient;
import dev.aero.common.command.CommandType;
import dev.aero.common.testing.TestServices;

/**
 * The end-to-end scenarios ({@link FirstScenario}) against the platform as compose runs it, from
 * nothing: {@code ./aero up --docker} on this machine (the Docker engine, the Debian base image
 * and every image made here), as a compose project of its own driven only through the ports it
 * publishes on 127.0.0.1. Then an upgrade: the stack down, its images rebuilt, up again on the
 * same volumes, and everything a deployment keeps is still there; last, {@code ./aero backup} and
 * {@code ./aero restore --force} over changes made after the backup.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeScenarioTest extends FirstScenario {

    // From nothing: the Debian base image made and every image built when the engine has none (over 5 min, the default for a lifecycle method).
    @BeforeAll
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
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
        begin(new ComposeInstance(LauncherInstance.repositoryRoot(), Path.of("target", "e2e", "compose.log").toAbsolutePath()));
    }

    private static boolean dockerAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, "dockerd"))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin/dockerd")) || Files.exists(Path.of("/var/run/docker.sock"));
    }

    @Test
    @Order(1)
    void everyPublicHttpPortAnswersItsReadinessProbeAndTheLauncherPrintedItsPortsAndTheSetupToken() throws Exception {
        for (int[] ports : ScenarioPlatform.SERVICES.values()) {
            assertThat(get(platform.http(ports[0]).resolve("/readyz")).statusCode()).as("%d /readyz", ports[0]).isEqualTo(200);
        }
        // The status table ./aero up printed names the ports the project publishes (moved by its env file).
        assertThat(platform.launcherLog()).contains("http://127.0.0.1:" + platform.port(8080) + " mgmt:8081(network) device-https:"
                + platform.port(8443)).contains("ssmp-tls:" + platform.port(29438));
        // admin() signs the first admin up with ./aero setup-token's output, which ./aero up printed too.
        assertThat(admin().client().me().role()).isEqualTo("ADMIN");
    }

    @Test
    @Order(2)
    void theAdminConsoleSignsTheAdminInAndSeesEveryServiceOverTheComposeNetwork() throws Exception {
        ConsoleHttp console = new ConsoleHttp(platform.http(8060));
        ConsoleHttp.Page signIn = console.get("/sign-in");
        assertThat(signIn.status()).isEqualTo(200);
        assertThat(signIn.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
        assertThat(console.signIn(admin().email(), PASSWORD).location()).endsWith("/");
        String overview = console.get("/").body();
        for (String service : ScenarioPlatform.SERVICES.keySet()) {
            assertThat(overview).as("%s on the console's overview", service).containsPattern("data-service=\"" + service
                    + "\">\\s*<th scope=\"row\">" + service + "</th>\\s*<td><span class=\"state state-up\">UP</span>");
        }
        assertThat(overview).containsPattern("id=\"count-connections\">\\d+</span>").containsPattern("id=\"count-waiting\">\\d+</span>")
                .containsPattern("id=\"count-pairs\">\\d+</span>");
    }

    @Test
    @Order(Integer.MAX_VALUE - 1)
    void anUpgradeKeepsUsersDevicesTheCaTheCrlQueuedCommandsAndDevmanState() throws Exception {
        ComposeInstance compose = (ComposeInstance) platform;
        Account owner = invitedUser("upgrade");
        CommandClient queue;
        dev.aero.common.id.DID seenDid;
        String waiting;
        JsonNode seenBefore;
        X509Certificate revoked;
        try (DesktopDevice seen = device(owner, "online before the upgrade"); DesktopDevice gone = device(owner, "unlinked before it")) {
            // devman knows one device's last visit; a command waits in its queue; another is revoked.
            seen.goOnline();
            awaitDevmanOnline(seen.did, true, Duration.ofSeconds(10));
            seen.close();
            awaitDevmanOnline(seen.did, false, Duration.ofSeconds(10));
            seenBefore = devman(seen.did);
            seenDid = seen.did;
            owner.client().updateName("Up", "Graded");
            queue = seen.queue;
            DesktopDevice.await(() -> {
                try {
                    return queue.head().empty() ? null : true;
                } catch (Exception e) {
                    return null;
                }
            }, Duration.ofSeconds(20), "the rename's command in the offline device's queue");
            waiting = queue.head().command().getType() + " " + queue.head().command().getEpoch();
            owner.client().unlinkDevice(gone.did, false);
            revoked = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(gone.certificate.certificate().getBytes(StandardCharsets.US_ASCII)));
        }
        String ca = owner.client().caCertificatePem();
        assertThat(SpClient.create(sp()).parsedCrl().isRevoked(revoked)).isTrue();
        List<String> members = admin().client().members().stream().map(m -> m.userId().value() + " " + m.role() + " " + m.active()).sorted().toList();
        List<String> devices = owner.client().devices().stream().map(d -> d.deviceId().hex() + " " + d.name() + " " + d.certificateSerial()).sorted().toList();
        String before = compose.runningRevision("sp-service");

        String upgraded = "upgrade-test-" + System.currentTimeMillis();
        compose.upgrade(upgraded);
        for (String service : ScenarioPlatform.SERVICES.keySet()) {
            assertThat(compose.runningRevision(service)).as("the image %s runs after the upgrade", service).isEqualTo(upgraded)
                    .isNotEqualTo(before);
        }

        // The same users sign in with the same passwords; the organization's members, the
        // owner's devices, the CA and its CRL, the queued command and devman's memory are there.
        SpClient anonymous = SpClient.create(sp());
        SpClient ownerAgain = anonymous.withToken(anonymous.signIn(owner.email(), PASSWORD).token());
        SpClient adminAgain = anonymous.withToken(anonymous.signIn(admin().email(), PASSWORD).token());
        assertThat(adminAgain.members().stream().map(m -> m.userId().value() + " " + m.role() + " " + m.active()).sorted().toList()).isEqualTo(members);
        assertThat(ownerAgain.devices().stream().map(d -> d.deviceId().hex() + " " + d.name() + " " + d.certificateSerial()).sorted().toList()).isEqualTo(devices);
        assertThat(ownerAgain.devices()).extracting(Device::name).contains("online before the upgrade");
        assertThat(ownerAgain.caCertificatePem()).isEqualTo(ca);
        assertThat(SpClient.create(sp()).parsedCrl().isRevoked(revoked)).as("the CRL still lists the unlinked device").isTrue();
        assertThat(queue.head().command().getType() + " " + queue.head().command().getEpoch()).isEqualTo(waiting)
                .startsWith(CommandType.INVALIDATE_USER_NAME_CACHE.name());
        JsonNode seenAfter = devman(seenDid);
        assertThat(seenAfter.path("last_seen_time").asString()).isEqualTo(seenBefore.path("last_seen_time").asString()).isNotEmpty();
        assertThat(seenAfter.path("ip_address").asString()).isEqualTo(seenBefore.path("ip_address").asString());
        assertThat(seenAfter.path("online").asBoolean()).isFalse();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aRestoreBringsTheDeploymentBackToItsBackupOverWhatChangedAfter() throws Exception {
        ComposeInstance compose = (ComposeInstance) platform;
        Account owner = invitedUser("backup");
        DesktopDevice kept = device(owner, "kept by the backup");
        kept.close();
        owner.client().updateName("Backed", "Up");
        DesktopDevice.await(() -> {
            try {
                return kept.queue.head().empty() ? null : true;
            } catch (Exception e) {
                return null;
            }
        }, Duration.ofSeconds(20), "the rename's command in the device's queue");
        String waiting = kept.queue.head().command().getType() + " " + kept.queue.head().command().getEpoch();
        String ca = owner.client().caCertificatePem();
        List<String> members = admin().client().members().stream().map(m -> m.userId().value() + " " + m.role()).sorted().toList();

        Path archive = Path.of("target", "e2e", "compose-backup.tar.gz").toAbsolutePath();
        Files.deleteIfExists(archive);
        LauncherCommands.Outcome backup = compose.launcher(600, "backup", archive.toString());
        assertThat(backup.exit()).as(backup.output()).isZero();
        assertThat(backup.output()).contains("backing up the compose deployment");

        // After the backup: one more user, the device unlinked.
        Account late = invitedUser("after-the-backup");
        owner.client().unlinkDevice(kept.did, false);

        LauncherCommands.Outcome refused = compose.launcher(300, "restore", archive.toString());
        assertThat(refused.exit()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains("not empty");
        LauncherCommands.Outcome restored = compose.launcher(1200, "restore", "--force", archive.toString());
        assertThat(restored.exit()).as(restored.output()).isZero();

        SpClient anonymous = SpClient.create(sp());
        SpClient ownerAgain = anonymous.withToken(anonymous.signIn(owner.email(), PASSWORD).token());
        assertThat(ownerAgain.me().firstName()).isEqualTo("Backed");
        assertThat(ownerAgain.devices()).extracting(Device::deviceId).contains(kept.did);
        assertThat(admin().client().members().stream().map(m -> m.userId().value() + " " + m.role()).sorted().toList()).isEqualTo(members);
        assertThatThrownBy(() -> anonymous.signIn(late.email(), PASSWORD)).as("the user made after the backup").isInstanceOf(SpApiException.class);
        assertThat(ownerAgain.caCertificatePem()).isEqualTo(ca);
        assertThat(kept.queue.head().command().getType() + " " + kept.queue.head().command().getEpoch()).isEqualTo(waiting);
    }
}
