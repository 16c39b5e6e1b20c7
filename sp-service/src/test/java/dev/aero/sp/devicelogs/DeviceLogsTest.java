package dev.aero.sp.devicelogs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.TestPropertySource;

import dev.aero.client.sp.AuditEvent;
import dev.aero.client.sp.LogUpload;
import dev.aero.client.sp.LogUploadPage;
import dev.aero.client.sp.LogsRequest;
import dev.aero.client.sp.SpClient;
import dev.aero.common.id.DID;
import dev.aero.sp.SpProperties;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import dev.aero.sp.ca.DeviceTlsListener;

/**
 * Devices upload their logs over the device listener, for a logs request of their own; admins
 * list, download and delete them; the retention sweep deletes old ones. Small limits (96 KiB an
 * upload, 256 KiB in all) so that refusals are cheap to reach; the clock is the test's, moved by
 * hand for expiry and retention.
 */
@SpServiceTest
@TestPropertySource(properties = {
        "aero.sp.device-logs.directory=target/device-logs/${random.uuid}",
        "aero.sp.device-logs.max-upload-size=96KB",
        "aero.sp.device-logs.quota=256KB",
        "aero.sp.device-logs.retention=30d",
        // No command-server here: the UPLOAD_LOGS commands wait in the outbox.
        "aero.sp.commands.url=http://127.0.0.1:9" })
class DeviceLogsTest extends SpTestSupport {

    private static final int MAX_UPLOAD = 96 * 1024;
    private static final int QUOTA = 256 * 1024;

    /** The system clock plus an offset the test sets. */
    static final class MovableClock extends Clock {
        final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

        @Override
        public Instant instant() {
            return Instant.now().plus(offset.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @TestConfiguration
    static class Clocks {
        @Bean
        @Primary
        MovableClock movableClock() {
            return new MovableClock();
        }
    }

    @Autowired
    MovableClock clock;

    @Autowired
    DeviceTlsListener listener;

    @Autowired
    SpProperties properties;

    @Autowired
    DeviceLogService logs;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    // --- helpers

    private SpClient asDevice(RegisteredDevice device) {
        return SpClient.builder(URI.create("https://127.0.0.1:" + listener.localPort()))
                .sslContext(device.keys().sslContext(device.certificate().certificate(), device.certificate().caCertificate())).build();
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Log lines: they compress well. */
    private static byte[] logLines(int lines) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            text.append("2026-01-01T10:00:").append(i % 60).append("Z INFO daemon: synced file ").append(i).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Random bytes: gzip does not shrink them, so the upload is about {@code size} bytes. */
    private static byte[] incompressible(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return gzip(data);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private Path directory() {
        return properties.deviceLogs().directory().toAbsolutePath();
    }

    private Set<String> storedFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory())) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private String adminToken;

    /** The admin's token, for raw requests (signed in once: sign-ins are rate limited). */
    private synchronized String adminToken() {
        if (adminToken == null) {
            adminToken = anonymous().signIn(admin().email(), PASSWORD).token();
        }
        return adminToken;
    }

    /** An admin asks for logs under a chosen defect id. */
    private void requestLogs(RegisteredDevice device, String defectId, int hours) {
        requestLogs(admin(), device, defectId, hours);
    }

    private static void requestLogs(Account admin, RegisteredDevice device, String defectId, int hours) {
        assertThat(admin.client().requestDeviceLogs(device.id(), defectId, hours).defectId()).isEqualTo(defectId);
    }

    private HttpResponse<byte[]> download(String token, DID device, String defectId) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(baseUrl().resolve("/api/v1/devices/" + device.hex() + "/logs/" + defectId))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private int uploadRows(DID device) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM device_log_uploads WHERE device_id = ?", Integer.class, device.hex());
    }

    // --- tests

    @Test
    void aDeviceUploadsItsRequestedLogsAndAnAdminListsDownloadsAndDeletesThem() throws Exception {
        Account owner = member("logs-owner");
        RegisteredDevice device = register(owner);
        LogsRequest request = admin().client().requestDeviceLogs(device.id(), 2);
        assertThat(jdbc.queryForObject("SELECT requested_by FROM device_log_requests WHERE device_id = ? AND defect_id = ?", String.class,
                device.id().hex(), request.defectId())).isEqualTo(admin().email());
        byte[] body = incompressible(70_000);
        assertThat(body.length).as("more than SP's 64 KiB bound on other bodies, less than the upload limit").isBetween(65_537, MAX_UPLOAD);
        Set<String> before = storedFiles();

        LogUpload upload = asDevice(device).uploadLogs(device.id(), request.defectId(), new ByteArrayInputStream(body));

        assertThat(upload.sha256()).isEqualTo(sha256(body));
        assertThat(upload.size()).isEqualTo(body.length);
        assertThat(upload.deviceId()).isEqualTo(device.id());
        assertThat(upload.user().value()).isEqualTo(owner.email());
        assertThat(upload.defectId()).isEqualTo(request.defectId());
        assertThat(upload.deviceName()).isEqualTo("laptop");
        String key = jdbc.queryForObject("SELECT storage_key FROM device_log_uploads WHERE id = ?", String.class, upload.id());
        assertThat(storedFiles()).containsExactlyInAnyOrderElementsOf(concat(before, key));
        assertThat(sha256(Files.readAllBytes(directory().resolve(key)))).isEqualTo(sha256(body));

        LogUploadPage page = admin().client().deviceLogs(device.id(), null, 10);
        assertThat(page.uploads()).containsExactly(upload);
        assertThat(page.nextBefore()).isNull();
        assertThat(admin().client().deviceLogs(null, null, 50).uploads()).first().isEqualTo(upload);

        try (InputStream downloaded = admin().client().downloadDeviceLogs(device.id(), request.defectId())) {
            assertThat(sha256(downloaded.readAllBytes())).isEqualTo(upload.sha256());
        }
        HttpResponse<byte[]> raw = download(adminToken(), device.id(), request.defectId());
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.body()).isEqualTo(body);
        assertThat(raw.headers().firstValue("Content-Type")).hasValue("application/gzip");
        assertThat(raw.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(raw.headers().firstValue("Content-Disposition").orElseThrow())
                .startsWith("attachment").contains("logs-" + device.id().hex() + "-" + request.defectId() + ".gz");
        assertThat(raw.headers().firstValue("Repr-Digest")).hasValue("sha-256=:"
                + java.util.Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body)) + ":");

        admin().client().deleteDeviceLogs(device.id(), request.defectId());
        assertThat(admin().client().deviceLogs(device.id(), null, 10).uploads()).isEmpty();
        assertThat(storedFiles()).isEqualTo(before);
        assertProblem(problem(() -> admin().client().downloadDeviceLogs(device.id(), request.defectId())), 404, "logs-upload-not-found");
        assertProblem(problem(() -> admin().client().deleteDeviceLogs(device.id(), request.defectId())), 404, "logs-upload-not-found");

        List<AuditEvent> events = admin().client().auditEvents(20, null,
                List.of("DEVICE_LOGS_UPLOADED", "DEVICE_LOGS_DOWNLOADED", "DEVICE_LOGS_DELETED"), null, null, null).events().stream()
                .filter(e -> device.id().hex().equals(e.target())).toList();
        assertThat(events).extracting(AuditEvent::type)
                .containsExactly("DEVICE_LOGS_DELETED", "DEVICE_LOGS_DOWNLOADED", "DEVICE_LOGS_DOWNLOADED", "DEVICE_LOGS_UPLOADED");
        assertThat(events.getLast().actor()).isEqualTo(owner.email());
        assertThat(events.getLast().details()).containsEntry("defect_id", request.defectId()).containsEntry("sha256", upload.sha256());
        assertThat(events.getFirst().actor()).isEqualTo(admin().email());
    }

    private static Set<String> concat(Set<String> set, String more) {
        return Stream.concat(set.stream(), Stream.of(more)).collect(Collectors.toSet());
    }

    @Test
    void anUploadWithItsLengthDeclaredIsStoredTheSame() throws Exception {
        RegisteredDevice device = register(member("declared"));
        requestLogs(device, "case-declared", 1);
        byte[] body = gzip(logLines(500));
        Path file = Files.createTempFile("logs", ".gz");
        try {
            Files.write(file, body);
            LogUpload upload = asDevice(device).uploadLogs(device.id(), "case-declared", file);
            assertThat(upload.sha256()).isEqualTo(sha256(body));
            assertThat(upload.size()).isEqualTo(body.length);
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void anUploadOverTheLimitIsRefusedWithoutLeavingAFile() throws Exception {
        RegisteredDevice device = register(member("too-large"));
        requestLogs(device, "case-large", 1);
        byte[] body = incompressible(MAX_UPLOAD + 40_000);
        Set<String> before = storedFiles();
        double refused = meters.counter("aero.sp.device_logs.refused", "cause", "logs-too-large").count();
        assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-large", new ByteArrayInputStream(body))), 413,
                "logs-too-large");
        assertThat(storedFiles()).isEqualTo(before);
        Path file = Files.createTempFile("logs", ".gz");
        try {
            Files.write(file, body);
            assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-large", file)), 413, "logs-too-large");
        } finally {
            Files.delete(file);
        }
        assertThat(storedFiles()).isEqualTo(before);
        assertThat(uploadRows(device.id())).isZero();
        assertThat(meters.counter("aero.sp.device_logs.refused", "cause", "logs-too-large").count()).isEqualTo(refused + 2);
        // The request is not used up: a smaller upload is taken.
        assertThat(asDevice(device).uploadLogs(device.id(), "case-large", new ByteArrayInputStream(gzip(logLines(10)))).size()).isPositive();
    }

    @Test
    void uploadsPastTheQuotaAreRefusedUntilRoomIsMade() throws Exception {
        RegisteredDevice device = register(member("quota"));
        int n = 0;
        List<String> stored = new java.util.ArrayList<>();
        while (true) {
            long used = jdbc.queryForObject("SELECT COALESCE(SUM(size_bytes), 0) FROM device_log_uploads", Long.class);
            byte[] body = incompressible(60_000);
            String defect = "quota-" + n++;
            requestLogs(device, defect, 1);
            Set<String> before = storedFiles();
            if (used + body.length <= QUOTA) {
                asDevice(device).uploadLogs(device.id(), defect, new ByteArrayInputStream(body));
                stored.add(defect);
                continue;
            }
            assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), defect, new ByteArrayInputStream(body))), 507,
                    "logs-quota-exceeded");
            Path file = Files.createTempFile("logs", ".gz");
            try {
                Files.write(file, body);
                assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), defect, file)), 507, "logs-quota-exceeded");
            } finally {
                Files.delete(file);
            }
            assertThat(storedFiles()).isEqualTo(before);
            // An admin deletes one: there is room again.
            admin().client().deleteDeviceLogs(device.id(), stored.removeFirst());
            assertThat(asDevice(device).uploadLogs(device.id(), defect, new ByteArrayInputStream(body)).size()).isEqualTo(body.length);
            stored.add(defect);
            break;
        }
        assertThat(stored).hasSizeGreaterThanOrEqualTo(3);
        for (String defect : stored) {
            admin().client().deleteDeviceLogs(device.id(), defect);
        }
    }

    @Test
    void aDeviceCannotUploadForAnother() throws Exception {
        Account owner = member("two-devices");
        RegisteredDevice mine = register(owner);
        RegisteredDevice other = register(owner);
        requestLogs(other, "case-other", 1);
        byte[] body = gzip(logLines(10));
        assertProblem(problem(() -> asDevice(mine).uploadLogs(other.id(), "case-other", new ByteArrayInputStream(body))), 403,
                "device-mismatch");
        // Nor file under another device's defect id as its own.
        assertProblem(problem(() -> asDevice(mine).uploadLogs(mine.id(), "case-other", new ByteArrayInputStream(body))), 404,
                "logs-not-requested");
        assertThat(uploadRows(other.id()) + uploadRows(mine.id())).isZero();
        // Without a certificate, on the public port.
        assertProblem(problem(() -> anonymous().uploadLogs(other.id(), "case-other", new ByteArrayInputStream(body))), 401,
                "certificate-required");
    }

    @Test
    void logsThatWereNeverRequestedAreRefused() {
        RegisteredDevice device = register(member("unasked"));
        assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-never", new ByteArrayInputStream(gzip(logLines(10))))),
                404, "logs-not-requested");
        assertThat(uploadRows(device.id())).isZero();
    }

    @Test
    void anExpiredRequestIsRefused() throws Exception {
        RegisteredDevice device = register(member("late"));
        requestLogs(device, "case-late", 1);
        clock.offset.set(Duration.ofMinutes(61));
        try {
            assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-late", new ByteArrayInputStream(gzip(logLines(10))))),
                    410, "logs-request-expired");
        } finally {
            clock.offset.set(Duration.ZERO);
        }
        assertThat(uploadRows(device.id())).isZero();
    }

    @Test
    void aTruncatedStreamIsRefusedWithoutLeavingAFileAndTheRequestStaysOpen() throws Exception {
        RegisteredDevice device = register(member("truncated"));
        requestLogs(device, "case-cut", 1);
        byte[] whole = gzip(logLines(3000));
        byte[] cut = Arrays.copyOf(whole, whole.length - 5);
        Set<String> before = storedFiles();
        assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-cut", new ByteArrayInputStream(cut))), 400,
                "logs-truncated");
        assertThat(storedFiles()).isEqualTo(before);
        assertThat(uploadRows(device.id())).isZero();
        assertThat(asDevice(device).uploadLogs(device.id(), "case-cut", new ByteArrayInputStream(whole)).sha256()).isEqualTo(sha256(whole));
    }

    @Test
    void aBodyThatIsNotGzipIsRefused() throws Exception {
        RegisteredDevice device = register(member("plain"));
        requestLogs(device, "case-plain", 1);
        Set<String> before = storedFiles();
        assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-plain", new ByteArrayInputStream(logLines(100)))), 400,
                "logs-not-gzip");
        byte[] corrupt = gzip(logLines(100));
        corrupt[corrupt.length - 7] ^= 0x40; // in the CRC-32
        assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-plain", new ByteArrayInputStream(corrupt))), 400,
                "logs-not-gzip");
        assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-plain", new ByteArrayInputStream(new byte[0]))), 400,
                "logs-not-gzip");
        assertThat(storedFiles()).isEqualTo(before);
        assertThat(uploadRows(device.id())).isZero();
    }

    @Test
    void aSecondUploadForTheSameDefectIsRefusedAndTheFirstKept() throws Exception {
        RegisteredDevice device = register(member("twice"));
        requestLogs(device, "case-twice", 1);
        byte[] first = gzip(logLines(50));
        LogUpload kept = asDevice(device).uploadLogs(device.id(), "case-twice", new ByteArrayInputStream(first));
        Set<String> before = storedFiles();
        assertProblem(problem(() -> asDevice(device).uploadLogs(device.id(), "case-twice", new ByteArrayInputStream(gzip(logLines(60))))),
                409, "logs-already-uploaded");
        assertThat(storedFiles()).isEqualTo(before);
        assertThat(admin().client().deviceLogs(device.id(), null, 10).uploads()).containsExactly(kept);
        // A defect id is requested once per device.
        HttpResponse<String> again = raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json",
                "{\"defect_id\":\"case-twice\"}", adminToken());
        assertThat(assertProblemResponse(again, 409).get("type").asString()).isEqualTo("urn:aero:problem:logs-request-exists");
    }

    @Test
    void onlyAdminsOfTheDevicesOrganizationSeeDownloadOrDeleteUploads() throws Exception {
        Account owner = member("private-logs");
        RegisteredDevice device = register(owner);
        requestLogs(device, "case-private", 1);
        asDevice(device).uploadLogs(device.id(), "case-private", new ByteArrayInputStream(gzip(logLines(10))));

        for (Account notAdmin : List.of(owner, member("bystander"))) {
            assertProblem(problem(() -> notAdmin.client().deviceLogs(null, null, 10)), 403, "admin-required");
            assertProblem(problem(() -> notAdmin.client().downloadDeviceLogs(device.id(), "case-private")), 403, "admin-required");
            assertProblem(problem(() -> notAdmin.client().deleteDeviceLogs(device.id(), "case-private")), 403, "admin-required");
        }
        assertProblem(problem(() -> anonymous().deviceLogs(null, null, 10)), 401, "authentication-required");
        assertThat(uploadRows(device.id())).isEqualTo(1);

        // Another organization's upload (rows as SP would have written them) is not there for this admin.
        jdbc.update("INSERT IGNORE INTO organizations (id, name, created_at) VALUES (2, 'Other', NOW(6))");
        jdbc.update("INSERT INTO users (id, organization_id, first_name, last_name, role, active, created_at)"
                + " VALUES ('other-admin@example.org', 2, 'O', 'A', 'ADMIN', TRUE, NOW(6))");
        DID foreign = DID.random();
        jdbc.update("INSERT INTO devices (id, owner_id, name, os_family, os_name, registered_at) VALUES (?, 'other-admin@example.org',"
                + " 'theirs', 'Linux', 'Arch', NOW(6))", foreign.hex());
        jdbc.update("INSERT INTO device_log_requests VALUES (?, 'case-foreign', 2, 'other-admin@example.org', NOW(6), ?)", foreign.hex(),
                Timestamp.from(Instant.now().plusSeconds(3600)));
        String key = "0123456789abcdef0123456789abcdef.gz";
        byte[] theirs = gzip(logLines(5));
        Files.write(directory().resolve(key), theirs);
        jdbc.update("INSERT INTO device_log_uploads (device_id, defect_id, organization_id, user_id, size_bytes, sha256, uploaded_at,"
                + " storage_key) VALUES (?, 'case-foreign', 2, 'other-admin@example.org', ?, ?, NOW(6), ?)", foreign.hex(), theirs.length,
                sha256(theirs), key);
        try {
            assertThat(admin().client().deviceLogs(null, null, 500).uploads()).extracting(LogUpload::deviceId).doesNotContain(foreign);
            assertThat(admin().client().deviceLogs(foreign, null, 500).uploads()).isEmpty();
            assertProblem(problem(() -> admin().client().downloadDeviceLogs(foreign, "case-foreign")), 404, "logs-upload-not-found");
            assertProblem(problem(() -> admin().client().deleteDeviceLogs(foreign, "case-foreign")), 404, "logs-upload-not-found");
            assertThat(uploadRows(foreign)).isEqualTo(1);
            assertThat(directory().resolve(key)).exists();
        } finally {
            jdbc.update("DELETE FROM device_log_uploads WHERE device_id = ?", foreign.hex());
            Files.deleteIfExists(directory().resolve(key));
        }
    }

    @Test
    void uploadsAreListedNewestFirstAPageAtATimeAndByDevice() throws Exception {
        Account owner = member("paged");
        RegisteredDevice a = register(owner);
        RegisteredDevice b = register(owner);
        requestLogs(a, "page-1", 1);
        requestLogs(b, "page-2", 1);
        requestLogs(a, "page-3", 1);
        LogUpload first = asDevice(a).uploadLogs(a.id(), "page-1", new ByteArrayInputStream(gzip(logLines(5))));
        LogUpload second = asDevice(b).uploadLogs(b.id(), "page-2", new ByteArrayInputStream(gzip(logLines(6))));
        LogUpload third = asDevice(a).uploadLogs(a.id(), "page-3", new ByteArrayInputStream(gzip(logLines(7))));

        LogUploadPage one = admin().client().deviceLogs(null, null, 2);
        assertThat(one.uploads()).containsExactly(third, second);
        assertThat(one.nextBefore()).isEqualTo(second.id());
        assertThat(admin().client().deviceLogs(null, one.nextBefore(), 1).uploads()).containsExactly(first);
        assertThat(admin().client().deviceLogs(a.id(), null, 10).uploads()).containsExactly(third, first);
        assertThat(admin().client().deviceLogs(b.id(), null, 10).uploads()).containsExactly(second);
    }

    @Test
    void retentionDeletesOldUploadsAndExpiredRequestsAndKeepsNewerOnes() throws Exception {
        Account owner = member("retained");
        RegisteredDevice device = register(owner);
        requestLogs(device, "old", 1);
        requestLogs(device, "never-answered", 1);
        LogUpload old = asDevice(device).uploadLogs(device.id(), "old", new ByteArrayInputStream(gzip(logLines(5))));
        String oldKey = jdbc.queryForObject("SELECT storage_key FROM device_log_uploads WHERE id = ?", String.class, old.id());
        Path partial = Files.writeString(directory().resolve(".left-by-a-crash.partial"), "x");
        Path fresh = Files.writeString(directory().resolve(".being-written.partial"), "x");
        LogUpload newer;
        try {
            clock.offset.set(Duration.ofDays(20));
            // Twenty days on, the admin's session has ended: a new one.
            Account later = signIn(admin().email(), PASSWORD);
            requestLogs(later, device, "newer", 720);
            requestLogs(later, device, "still-open", 720);
            newer = asDevice(device).uploadLogs(device.id(), "newer", new ByteArrayInputStream(gzip(logLines(6))));
            assertThat(newer.uploadedAt()).isAfter(Instant.now().plus(Duration.ofDays(19)));

            clock.offset.set(Duration.ofDays(31));
            Files.setLastModifiedTime(fresh, FileTime.from(clock.instant().minus(Duration.ofMinutes(5))));
            DeviceLogService.Swept swept = logs.sweep();
            assertThat(swept.uploads()).isGreaterThanOrEqualTo(1);
            assertThat(swept.strays()).isGreaterThanOrEqualTo(1);
        } finally {
            clock.offset.set(Duration.ZERO);
        }
        assertThat(directory().resolve(oldKey)).doesNotExist();
        assertThat(partial).doesNotExist();
        assertThat(fresh).as("a partial file younger than a day may still be being written").exists();
        assertThat(jdbc.queryForList("SELECT defect_id FROM device_log_uploads WHERE device_id = ?", String.class, device.id().hex()))
                .containsExactly("newer");
        assertThat(jdbc.queryForList("SELECT defect_id FROM device_log_requests WHERE device_id = ?", String.class, device.id().hex()))
                .containsExactlyInAnyOrder("newer", "still-open");
        String newerKey = jdbc.queryForObject("SELECT storage_key FROM device_log_uploads WHERE id = ?", String.class, newer.id());
        assertThat(directory().resolve(newerKey)).exists();
        assertThat(admin().client().deviceLogs(device.id(), null, 10).uploads()).containsExactly(newer);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_events WHERE type = 'DEVICE_LOGS_DELETED' AND target = ?"
                + " AND details LIKE '%retention%'", Integer.class, device.id().hex())).isEqualTo(1);
        Files.deleteIfExists(fresh);
    }
}
