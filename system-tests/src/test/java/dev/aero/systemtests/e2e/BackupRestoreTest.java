package dev.aero.systemtests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import tools.jackson.databind.JsonNode;

import dev.aero.client.devman.CheckinClient;
import dev.aero.client.device.DeviceKeys;
import dev.aero.client.sp.DeviceCertificate;
import dev.aero.client.sp.DeviceCommands;
import dev.aero.client.sp.LogUpload;
import dev.aero.client.sp.LogsRequest;
import dev.aero.client.sp.RegisterDevice;
import dev.aero.client.sp.SharedFolderDetails;
import dev.aero.client.sp.SignUp;
import dev.aero.client.sp.SpClient;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;
import dev.aero.common.id.SID;

/**
 * {@code ./aero backup} of a running instance while 20 clients keep changing it, the instance
 * wiped (services, state directory, database, Redis database, ejabberd node), {@code ./aero
 * restore} into the empty instance and {@code ./aero up}: what was there before the backup is
 * there again, and what the clients changed during it restores consistently.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class BackupRestoreTest {

    private static final String PASSWORD = "correct horse battery staple";
    private static final int LOAD_CLIENTS = 20;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static LauncherInstance platform;
    private static Path work;
    private static Path passphrase;
    private static Path archive;

    private static String adminEmail;
    private static String memberEmail;
    private static String caBefore;
    private static DID kept;
    private static DeviceKeys keptKeys;
    private static DeviceCertificate keptCertificate;
    private static long revokedSerial;
    private static DID offline;
    private static LogsRequest logsRequest;
    private static LogsRequest keptLogs;
    private static LogUpload keptUpload;
    private static DeviceCommands offlineQueueBefore;
    private static Instant checkedIn;
    private static Instant backupFinished;
    private static SID folder;
    private static int changesDuringBackup;
    private static String backupOutput;

    @BeforeAll
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    static void backUpUnderLoadWipeAndRestore() throws Exception {
        Path root = LauncherInstance.repositoryRoot();
        work = Path.of("target", "e2e", "backup").toAbsolutePath();
        Files.createDirectories(work);
        // 22 accounts sign up from one address, and each load client registers a device per change.
        // No relay, bridge or console: nothing here uses them, and each start costs a JVM's.
        // Offset 2500: every port stays under 32768, out of the kernel's ephemeral range, where a
        // client connection's local port can take a listener's port (verkehr's SSMP port at
        // offset 4000, 33438, was once taken so while the restore restarted it).
        platform = new LauncherInstance(root, work.resolve("launcher.log"), "backup", 2500, 11, Map.of(
                "AERO_UP_SERVICES", "sp-service,verkehr-push,command-server,devman",
                "AERO_SP_RATELIMITS_SIGNUPPERADDRESS", "1000/1h",
                "AERO_SP_RATELIMITS_SIGNINPERADDRESS", "1000/15m",
                "AERO_SP_RATELIMITS_DEVICEREGISTRATIONSPERUSER", "1000/1h",
                "AERO_SP_RATELIMITS_INVITATIONSPERUSER", "1000/1h"));
        platform.start();
        seed();

        passphrase = work.resolve("passphrase");
        Files.deleteIfExists(passphrase);
        Files.writeString(Files.createFile(passphrase, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                "a long backup passphrase\n");
        archive = work.resolve("under-load.tar.gz.gpg");
        Files.deleteIfExists(archive);
        backupUnderLoad();

        platform.wipe();
        assertThat(Files.exists(platform.directory())).as("the wiped instance's directory").isFalse();
        LauncherCommands.Outcome restored = platform.launcher(600, "restore", "--passphrase-file", passphrase.toString(), archive.toString());
        assertThat(restored.exit()).as(restored.output()).isZero();
        platform.up();
    }

    @AfterAll
    static void stop() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    /** What the backup must bring back: accounts, devices (one revoked, one with queued commands), devman's view, a shared folder. */
    private static void seed() throws Exception {
        SpClient anonymous = SpClient.create(sp());
        adminEmail = "backup-admin-" + System.nanoTime() + "@example.com";
        anonymous.signUp(SignUp.firstAdmin(adminEmail, PASSWORD, "Ada", "Admin", "Backup Org", platform.setupToken()));
        SpClient admin = signIn(adminEmail);
        memberEmail = "backup-member-" + System.nanoTime() + "@example.com";
        SpClient member = invited(admin, memberEmail);
        caBefore = anonymous.caCertificatePem();

        kept = DID.random();
        keptKeys = DeviceKeys.generate();
        keptCertificate = member.registerDevice(new RegisterDevice(keptKeys.certificationRequestPem(kept), "kept", "Linux", "Debian 12"));
        DID revoked = DID.random();
        DeviceCertificate revokedCertificate = member.registerDevice(
                new RegisterDevice(DeviceKeys.generate().certificationRequestPem(revoked), "revoked", "Linux", "Debian 12"));
        revokedSerial = certificate(revokedCertificate.certificate()).getSerialNumber().longValueExact();
        member.unlinkDevice(revoked, false);
        assertThat(anonymous.parsedCrl().getRevokedCertificate(certificate(revokedCertificate.certificate()).getSerialNumber()))
                .as("the unlinked device's serial in the CRL before the backup").isNotNull();

        offline = DID.random();
        member.registerDevice(new RegisterDevice(DeviceKeys.generate().certificationRequestPem(offline), "offline", "Windows", "11"));
        member.renameDevice(kept, "kept, renamed");
        logsRequest = admin.requestDeviceLogs(offline, 48);
        // SP hands commands to command-server through its outbox, right after the commit.
        offlineQueueBefore = DesktopDevice.await(() -> {
            DeviceCommands queue = admin.deviceCommands(offline);
            return queue.commands().stream().map(DeviceCommands.Command::type).toList()
                    .containsAll(List.of("INVALIDATE_DEVICE_NAME_CACHE", "UPLOAD_LOGS")) ? queue : null;
        }, Duration.ofSeconds(30), "both commands in the offline device's queue");

        try (CheckinClient checkin = new CheckinClient(URI.create("https://localhost:" + platform.port(8702)),
                keptKeys.sslContext(keptCertificate.certificate(), keptCertificate.caCertificate()))) {
            checkedIn = checkin.checkin().time();
        }
        assertThat(devman(kept).path("last_seen_time").isNull()).as("devman has seen the kept device").isFalse();

        // The kept device answers a logs request with an upload.
        keptLogs = admin.requestDeviceLogs(kept, 48);
        byte[] gzip = gzip("device log line\n".repeat(1000));
        keptUpload = SpClient.builder(URI.create("https://localhost:" + platform.port(8443)))
                .sslContext(keptKeys.sslContext(keptCertificate.certificate(), keptCertificate.caCertificate())).build()
                .uploadLogs(kept, keptLogs.defectId(), new ByteArrayInputStream(gzip));
        assertThat(keptUpload.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gzip)));

        folder = SID.random();
        admin.createSharedFolder("Finance", folder);
        admin.inviteToSharedFolder(folder, memberEmail, "EDITOR");
        member.joinSharedFolder(folder);
    }

    /** 20 clients change folders, memberships, devices and queues before, during and after an encrypted backup. */
    private static void backupUnderLoad() throws Exception {
        SpClient admin = signIn(adminEmail);
        List<SpClient> clients = new ArrayList<>();
        for (int i = 0; i < LOAD_CLIENTS; i++) {
            clients.add(invited(admin, "backup-load-" + i + "-" + System.nanoTime() + "@example.com"));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger changes = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(LOAD_CLIENTS);
        try {
            List<Future<?>> load = new ArrayList<>();
            for (int i = 0; i < LOAD_CLIENTS; i++) {
                SpClient client = clients.get(i);
                int n = i;
                load.add(pool.submit(() -> {
                    DID first = DID.random();
                    client.registerDevice(new RegisterDevice(DeviceKeys.generate().certificationRequestPem(first), "first", "Linux", "Debian 12"));
                    for (int round = 0; !stop.get(); round++) {
                        SID sid = SID.random();
                        client.createSharedFolder("load " + n + "." + round, sid);
                        client.inviteToSharedFolder(sid, memberEmail, "VIEWER");
                        DID next = DID.random();
                        client.registerDevice(new RegisterDevice(DeviceKeys.generate().certificationRequestPem(next), "next", "Linux", "Debian 12"));
                        // Tells every other device of the client, the one just registered too, through its queue.
                        client.renameDevice(first, "first " + round);
                        changes.incrementAndGet();
                    }
                    return null;
                }));
            }
            // The backup starts once every client is changing things.
            DesktopDevice.await(() -> changes.get() >= LOAD_CLIENTS ? true : null, Duration.ofSeconds(60), "the load under way");
            int atStart = changes.get();
            LauncherCommands.Outcome backup = platform.launcher(600, "backup", "--passphrase-file", passphrase.toString(), archive.toString());
            changesDuringBackup = changes.get() - atStart;
            backupFinished = Instant.now();
            System.out.printf("[backup] %d changes by %d clients while ./aero backup ran%n", changesDuringBackup, LOAD_CLIENTS);
            backupOutput = backup.output();
            assertThat(backup.exit()).as(backup.output()).isZero();
            stop.set(true);
            for (Future<?> f : load) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    @Test
    void theBackupRanWhileTheClientsChangedDataAndIsEncrypted() throws Exception {
        assertThat(changesDuringBackup).as("changes the load made while the backup ran").isPositive();
        assertThat(backupOutput).contains("encrypted").contains("wrote " + archive);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive))).isEqualTo("rw-------");
        byte[] head = Arrays.copyOf(Files.readAllBytes(archive), 2);
        assertThat(head).as("not a plain gzip").isNotEqualTo(new byte[] {0x1f, (byte) 0x8b});
        assertThat(new String(Files.readAllBytes(archive), StandardCharsets.ISO_8859_1)).doesNotContain("BEGIN", "aero_sp", memberEmail);
    }

    @Test
    void theSameUsersSignIn() throws Exception {
        assertThat(signIn(adminEmail).me().userId().value()).isEqualTo(adminEmail);
        assertThat(signIn(memberEmail).me().userId().value()).isEqualTo(memberEmail);
    }

    @Test
    void devicesCertificatesVerifyAgainstTheSameCaAndTheCrlStillListsTheRevokedSerial() throws Exception {
        SpClient anonymous = SpClient.create(sp());
        String ca = anonymous.caCertificatePem();
        assertThat(ca).isEqualTo(caBefore);
        certificate(keptCertificate.certificate()).verify(certificate(ca).getPublicKey());
        assertThat(anonymous.parsedCrl().getRevokedCertificate(java.math.BigInteger.valueOf(revokedSerial))).isNotNull();
        // The kept device still authenticates to SP's device listener with its certificate.
        SpClient asDevice = SpClient.builder(URI.create("https://localhost:" + platform.port(8443)))
                .sslContext(keptKeys.sslContext(keptCertificate.certificate(), keptCertificate.caCertificate())).build();
        assertThat(asDevice.acl(0)).isNotNull();
    }

    @Test
    void theSharedFolderAndItsMembersAreThere() throws Exception {
        SharedFolderDetails details = signIn(adminEmail).sharedFolder(folder);
        assertThat(details.name()).isEqualTo("Finance");
        assertThat(details.members()).extracting(SharedFolderDetails.Member::email, SharedFolderDetails.Member::state)
                .contains(org.assertj.core.groups.Tuple.tuple(memberEmail, "JOINED"));
    }

    @Test
    void queuedCommandsAreThere() throws Exception {
        DeviceCommands queue = signIn(adminEmail).deviceCommands(offline);
        assertThat(queue.commands()).extracting(DeviceCommands.Command::type, DeviceCommands.Command::arguments)
                .isEqualTo(offlineQueueBefore.commands().stream().map(c -> org.assertj.core.groups.Tuple.tuple(c.type(), c.arguments())).toList());
        assertThat(queue.commands()).anySatisfy(c -> assertThat(c.arguments()).containsEntry("defect_id", logsRequest.defectId()));
    }

    @Test
    void anUploadedDeviceLogIsThereWithTheSameSha256() throws Exception {
        try (var in = signIn(adminEmail).downloadDeviceLogs(kept, keptLogs.defectId())) {
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()))).isEqualTo(keptUpload.sha256());
        }
    }

    @Test
    void devmanStillKnowsWhenTheDeviceWasLastSeen() throws Exception {
        // Offline by now (its check-in interval is long over): the time devman kept, from before the backup.
        Instant lastSeen = Instant.parse(devman(kept).path("last_seen_time").asString());
        assertThat(lastSeen).isBetween(checkedIn.minusSeconds(1), backupFinished);
    }

    @Test
    void whatTheClientsChangedDuringTheBackupRestoredConsistently() throws Exception {
        Set<String> devices = new HashSet<>(query("SELECT id FROM devices"));
        List<String> queues = platform.shell(60, List.of("redis-cli", "-h", "127.0.0.1", "-p", redisPort(), "-n",
                Integer.toString(platform.redisDatabase()), "--scan", "--pattern", "jeq:q/*")).output().lines().toList();
        assertThat(queues).as("command queues restored").hasSizeGreaterThan(LOAD_CLIENTS);
        assertThat(queues).allSatisfy(key -> assertThat(devices).as("SP's devices").contains(key.substring("jeq:q/".length())));
        assertThat(query("SELECT COUNT(*) FROM shared_folder_members m LEFT JOIN shared_folders f ON f.sid = m.sid WHERE f.sid IS NULL"))
                .as("memberships without their folder").containsExactly("0");
        assertThat(Integer.parseInt(query("SELECT COUNT(*) FROM shared_folders WHERE name LIKE 'load %'").getFirst()))
                .as("folders the load made before the backup").isGreaterThanOrEqualTo(LOAD_CLIENTS);
    }

    @Test
    void aRestoreRefusesADeploymentWithUsersAnArchiveOfANewerSchemaADamagedOneAndAWrongPassphrase() throws Exception {
        Path plain = work.resolve("restored.tar.gz");
        Files.deleteIfExists(plain);
        LauncherCommands.Outcome backup = platform.launcher(300, "backup", plain.toString());
        assertThat(backup.exit()).as(backup.output()).isZero();
        assertThat(backup.output()).contains("not encrypted");

        LauncherCommands.Outcome notEmpty = platform.launcher(300, "restore", plain.toString());
        assertThat(notEmpty.exit()).isNotZero();
        assertThat(notEmpty.output()).contains("not empty").contains("--force");

        Path newer = rewritten(plain, "newer.tar.gz", "sed -i 's/^schema_version=.*/schema_version=9999/' MANIFEST", true);
        LauncherCommands.Outcome refusedNewer = platform.launcher(300, "restore", "--force", newer.toString());
        assertThat(refusedNewer.exit()).isNotZero();
        assertThat(refusedNewer.output()).contains("schema version 9999, newer than this code's");

        Path damaged = rewritten(plain, "damaged.tar.gz", "printf 'x' >> mariadb.sql", false);
        LauncherCommands.Outcome refusedDamaged = platform.launcher(300, "restore", "--force", damaged.toString());
        assertThat(refusedDamaged.exit()).isNotZero();
        assertThat(refusedDamaged.output()).contains("damaged");

        Path wrong = work.resolve("wrong-passphrase");
        Files.writeString(wrong, "not the passphrase\n");
        LauncherCommands.Outcome refusedPassphrase = platform.launcher(300, "restore", "--force", "--passphrase-file", wrong.toString(),
                archive.toString());
        assertThat(refusedPassphrase.exit()).isNotZero();
        assertThat(refusedPassphrase.output()).contains("could not be decrypted");

        // Nothing of it touched the running deployment.
        assertThat(signIn(memberEmail).devices()).extracting(d -> d.deviceId()).contains(kept);
    }

    /** {@code archive} unpacked, {@code edit} run in its directory, packed again (with fresh checksums when {@code resum}). */
    private static Path rewritten(Path archive, String name, String edit, boolean resum) throws Exception {
        Path out = work.resolve(name);
        Path dir = Files.createTempDirectory(work, "rewrite");
        String script = "set -e; tar -C \"$1\" -xzf \"$2\"; cd \"$1/aero-backup\"; " + edit + "; "
                + (resum ? "sha256sum MANIFEST redis.rdb mariadb.sql ejabberd.backup files.tar > SHA256SUMS; " : "")
                + "tar -C \"$1\" -czf \"$3\" aero-backup; rm -rf \"$1\"";
        LauncherCommands.Outcome r = platform.shell(60, List.of("bash", "-c", script, "_", dir.toString(), archive.toString(), out.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        return out;
    }

    private static List<String> query(String sql) throws Exception {
        LauncherCommands.Outcome r = platform.shell(60, List.of("bash", "-c",
                "MYSQL_PWD=aero mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P \"${AERO_MYSQL_PORT:-3306}\" -u aero -N -B \"$0\" -e \"$1\"",
                platform.databaseName(), sql));
        assertThat(r.exit()).as(r.output()).isZero();
        return r.output().lines().toList();
    }

    private static String redisPort() {
        String port = System.getenv("AERO_REDIS_PORT");
        return port == null || port.isEmpty() ? "6379" : port;
    }

    private static URI sp() {
        return platform.http(8080);
    }

    private static SpClient signIn(String email) {
        SpClient anonymous = SpClient.create(sp());
        return anonymous.withToken(anonymous.signIn(email, PASSWORD).token());
    }

    private static SpClient invited(SpClient admin, String email) {
        String code = admin.invite(email).invitationCode();
        SpClient.create(sp()).signUp(new SignUp(email, PASSWORD, "Lo", "Ad", code, null));
        return signIn(email);
    }

    private static byte[] gzip(String text) throws Exception {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** devman's view of a device, through its service API with the instance's deployment secret. */
    private static JsonNode devman(DID did) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(platform.http(8701).resolve("/v1/devices/" + did.hex()))
                .header(ServiceCredential.HEADER, new ServiceCredential("system-tests", platform.deploymentSecret()).toHeaderValue())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return FirstScenario.JSON.readTree(r.body());
    }
}
