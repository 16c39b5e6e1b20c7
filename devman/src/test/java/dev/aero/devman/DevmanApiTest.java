package dev.aero.devman;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.client.devman.CheckinClient;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.TestPki;
import dev.aero.common.tls.DeviceTlsListener;

/**
 * devman against real Redis: verkehr's events (appended to the stream as verkehr writes them)
 * make devices online and offline, in any order; the service API and its refusals; the
 * presence ingest; device check-ins with certificates, over devman's own TLS listener and
 * through a trusted proxy.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class DevmanApiTest {

    private static final String SECRET = "devman-test-secret";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static TestPki pki;

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    StringRedisTemplate redis;

    @Autowired
    DeviceTlsListener listener;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) throws Exception {
        pki = new TestPki(Path.of("target", "test-pki", "devman-" + UUID.randomUUID()));
        registry.add("aero.devman.deployment-secret", () -> SECRET);
        registry.add("aero.devman.trusted-proxies", () -> "127.0.0.1");
        registry.add("aero.devman.crl-url", () -> pki.crlFile().toUri().toString());
        registry.add("aero.devman.crl-refresh", () -> "200ms");
        registry.add("aero.devman.device-tls.port", () -> 0);
        registry.add("aero.devman.device-tls.host", () -> "127.0.0.1");
        registry.add("aero.devman.device-tls.certificate-file", () -> pki.serverCertificateFile().toAbsolutePath().toString());
        registry.add("aero.devman.device-tls.private-key-file", () -> pki.serverKeyFile().toAbsolutePath().toString());
        registry.add("aero.devman.device-tls.ca-certificate-file", () -> pki.caFile().toAbsolutePath().toString());
        registry.add("aero.devman.verkehr-node-timeout", () -> "2s");
        registry.add("aero.devman.verkehr-node-check", () -> "200ms");
    }

    /** The listener opens once the CRL has been read: from then on no check-in is answered 503. */
    @BeforeEach
    void listening() throws InterruptedException {
        assertThat(listener.awaitListening(Duration.ofSeconds(20))).isTrue();
    }

    // ---- helpers ----

    private void event(String type, DID did, String conn, long time, String address) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("id", did.hex());
        e.put("address", address);
        e.put("node", "node-a");
        e.put("conn", conn);
        e.put("time", Long.toString(time));
        e.put("scheme", "cert");
        e.put("serial", "1f");
        e.put("did", did.hex());
        redis.opsForStream().add("verkehr:events", e);
    }

    /** A verkehr node's {@code heartbeat} or {@code node-lost} event. */
    private void nodeEvent(String type, String node, long time) {
        redis.opsForStream().add("verkehr:events", Map.of("type", type, "node", node, "time", Long.toString(time)));
    }

    private HttpResponse<String> get(String path, boolean authenticated) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5));
        if (authenticated) {
            b.header(ServiceCredential.HEADER, new ServiceCredential("sp-service", SECRET).toHeaderValue());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                .header(ServiceCredential.HEADER, new ServiceCredential("sp-service", SECRET).toHeaderValue())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode device(DID did) throws Exception {
        HttpResponse<String> r = get("/v1/devices/" + did.hex(), true);
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    /** Polls until the device's online state is {@code online}; returns how long that took. */
    private Duration awaitOnline(DID did, boolean online) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode d = device(did);
            if (d != null && d.path("online").asBoolean() == online) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(10);
        }
        throw new AssertionError(did + " did not become " + (online ? "online" : "offline") + ": " + device(did));
    }

    private static void assertProblem(HttpResponse<String> r, int status, String slug) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.body()).contains(slug);
    }

    // ---- verkehr events ----

    @Test
    void healthCountsTheDeviceListenerOnceItListens() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("components").path("deviceTls").path("status").asString()).isEqualTo("UP");
    }

    @Test
    void loginMakesADeviceOnlineWithinASecondAndCloseOffline() throws Exception {
        DID did = DID.random();
        long now = System.currentTimeMillis();
        event("login", did, "node-a:1", now, "192.0.2.10");
        assertThat(awaitOnline(did, true)).isLessThan(Duration.ofSeconds(1));
        JsonNode d = device(did);
        assertThat(d.path("ip_address").asString()).isEqualTo("192.0.2.10");
        assertThat(d.path("online_via").get(0).asString()).isEqualTo("ssmp");
        assertThat(Instant.parse(d.path("last_seen_time").asString())).isAfterOrEqualTo(Instant.ofEpochMilli(now));

        event("close", did, "node-a:1", now + 5_000, "192.0.2.10");
        assertThat(awaitOnline(did, false)).isLessThan(Duration.ofSeconds(1));
        d = device(did);
        assertThat(d.path("online_via").size()).isZero();
        assertThat(Instant.parse(d.path("last_seen_time").asString())).isEqualTo(Instant.ofEpochMilli(now + 5_000));
    }

    @Test
    void aCloseReadBeforeItsLoginKeepsTheDeviceOffline() throws Exception {
        DID did = DID.random();
        long now = System.currentTimeMillis();
        event("close", did, "node-a:7", now, "192.0.2.20");
        event("login", did, "node-a:7", now - 1_000, "192.0.2.21");
        DID marker = DID.random();
        event("login", marker, "node-a:8", now, "192.0.2.22");
        awaitOnline(marker, true);
        JsonNode d = device(did);
        assertThat(d.path("online").asBoolean()).isFalse();
        // The older event's address does not replace the newer one's.
        assertThat(d.path("ip_address").asString()).isEqualTo("192.0.2.20");
        assertThat(Instant.parse(d.path("last_seen_time").asString())).isEqualTo(Instant.ofEpochMilli(now));
    }

    @Test
    void aKickedConnectionClosingAfterTheNewLoginLeavesTheDeviceOnline() throws Exception {
        DID did = DID.random();
        long now = System.currentTimeMillis();
        event("login", did, "node-a:20", now, "192.0.2.30");
        event("login", did, "node-b:21", now + 10, "192.0.2.31");
        event("close", did, "node-a:20", now + 20, "192.0.2.30");
        DID marker = DID.random();
        event("login", marker, "node-a:22", now, "192.0.2.32");
        awaitOnline(marker, true);
        assertThat(device(did).path("online").asBoolean()).isTrue();
        event("close", did, "node-b:21", now + 30, "192.0.2.31");
        awaitOnline(did, false);
    }

    @Test
    void aNodeLostCloseWithoutTheDidFieldStillTakesTheDeviceOffline() throws Exception {
        DID did = DID.random();
        long now = System.currentTimeMillis();
        event("login", did, "node-c:1", now, "192.0.2.40");
        awaitOnline(did, true);
        redis.opsForStream().add("verkehr:events", Map.of("type", "close", "id", did.hex() + "/laptop", "address", "192.0.2.40",
                "node", "node-c", "conn", "node-c:1", "time", Long.toString(now + 1), "scheme", "cert", "cause", "node-lost"));
        awaitOnline(did, false);
    }

    @Test
    void serviceLoginsAndMalformedEventsAreSkippedWithoutStoppingTheStream() throws Exception {
        DID service = DID.random();
        redis.opsForStream().add("verkehr:events", Map.of("type", "login", "id", service.hex(), "address", "127.0.0.1",
                "node", "n", "conn", "n:1", "time", "1", "scheme", "secret"));
        redis.opsForStream().add("verkehr:events", Map.of("type", "login", "did", "not-a-did", "conn", "n:2", "time", "1"));
        redis.opsForStream().add("verkehr:events", Map.of("type", "login", "did", DID.random().hex(), "conn", "n:3", "time", "soon"));
        DID did = DID.random();
        event("login", did, "node-a:30", System.currentTimeMillis(), "192.0.2.50");
        awaitOnline(did, true);
        assertThat(get("/v1/devices/" + service.hex(), true).statusCode()).isEqualTo(404);
    }

    // ---- the service API ----

    @Test
    void aDeviceNeverSeenIs404AndAMalformedIdIs400() throws Exception {
        assertProblem(get("/v1/devices/" + DID.random().hex(), true), 404, "device-never-seen");
        assertProblem(get("/v1/devices/zz", true), 400, "invalid-identifier");
        assertProblem(get("/v1/devices/" + "A".repeat(32), true), 400, "invalid-identifier");
    }

    @Test
    void readsNeedTheServiceCredential() throws Exception {
        assertProblem(get("/v1/devices/" + DID.random().hex(), false), 401, "invalid-service-credentials");
        assertProblem(get("/v1/stats", false), 401, "invalid-service-credentials");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/devices/status"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"devices\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(r, 401, "invalid-service-credentials");
    }

    @Test
    void batchStatusAnswersInOrderAndRefusesOversizedOrMalformedBatches() throws Exception {
        DID seen = DID.random();
        DID never = DID.random();
        event("login", seen, "node-a:40", System.currentTimeMillis(), "192.0.2.60");
        awaitOnline(seen, true);
        JsonNode r = JSON.readTree(post("/v1/devices/status", "{\"devices\":[\"" + never.hex() + "\",\"" + seen.hex() + "\"]}").body());
        assertThat(r.path("devices").get(0).path("did").asString()).isEqualTo(never.hex());
        assertThat(r.path("devices").get(0).path("last_seen_time").isNull()).isTrue();
        assertThat(r.path("devices").get(0).path("online").asBoolean()).isFalse();
        assertThat(r.path("devices").get(1).path("online").asBoolean()).isTrue();

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ids.add("\"" + DID.random().hex() + "\"");
        }
        HttpResponse<String> full = post("/v1/devices/status", "{\"devices\":[" + String.join(",", ids) + "]}");
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(full.body()).path("devices").size()).isEqualTo(1000);
        ids.add("\"" + DID.random().hex() + "\"");
        assertProblem(post("/v1/devices/status", "{\"devices\":[" + String.join(",", ids) + "]}"), 400, "batch-too-large");
        assertProblem(post("/v1/devices/status", "{\"devices\":[\"" + seen.hex() + "\",\"xyz\"]}"), 400, "invalid-identifier");
        assertProblem(post("/v1/devices/status", "{\"devices\":[null]}"), 400, "invalid-identifier");
        assertProblem(post("/v1/devices/status", "{}"), 400, "devices-missing");
        assertProblem(post("/v1/devices/status", "{\"devices\":"), 400, "malformed-request");
    }

    @Test
    void statsCountOnlineDevices() throws Exception {
        DID did = DID.random();
        long before = JSON.readTree(get("/v1/stats", true).body()).path("online_devices").asLong();
        event("login", did, "node-a:50", System.currentTimeMillis(), "192.0.2.70");
        awaitOnline(did, true);
        JsonNode stats = JSON.readTree(get("/v1/stats", true).body());
        assertThat(stats.path("online_devices").asLong()).isEqualTo(before + 1);
    }

    // ---- presence from other transports ----

    /**
     * A verkehr node that stops heartbeating with nobody to reap it (a single node that died):
     * devman takes its SSMP connections offline at its last heartbeat, once, and leaves every
     * other connection alone.
     */
    @Test
    void theConnectionsOfAVerkehrNodeThatStoppedHeartbeatingGoOfflineAtItsLastHeartbeat() throws Exception {
        String lost = "lost-" + UUID.randomUUID(), alive = "alive-" + UUID.randomUUID();
        long now = System.currentTimeMillis(), heartbeat = now - 10_000;
        nodeEvent("heartbeat", alive, now + 600_000);
        DID onlyLost = DID.random(), both = DID.random(), onlyAlive = DID.random(), viaXmpp = DID.random();
        event("login", onlyLost, lost + "/1", now - 20_000, "192.0.2.90");
        event("login", both, lost + "/2", now - 20_000, "192.0.2.91");
        event("login", both, alive + "/3", now - 20_000, "192.0.2.91");
        event("login", onlyAlive, alive + "/4", now - 20_000, "192.0.2.92");
        // Another transport's session that happens to look like a connection of the lost node.
        post("/v1/presence", "{\"events\":[{\"did\":\"" + viaXmpp.hex() + "\",\"state\":\"online\",\"session\":\"" + lost + "/5\"}]}");
        for (DID d : List.of(onlyLost, both, onlyAlive, viaXmpp)) {
            awaitOnline(d, true);
        }

        nodeEvent("heartbeat", lost, heartbeat);
        awaitOnline(onlyLost, false);
        assertThat(Instant.parse(device(onlyLost).path("last_seen_time").asString())).isEqualTo(Instant.ofEpochMilli(heartbeat));
        assertThat(device(both).path("online_via").toString()).isEqualTo("[\"ssmp\"]");
        assertThat(device(onlyAlive).path("online").asBoolean()).isTrue();
        assertThat(device(viaXmpp).path("online_via").toString()).isEqualTo("[\"xmpp\"]");
        assertThat(redis.opsForHash().get("devman:lost-nodes", lost)).isEqualTo(Long.toString(heartbeat));

        // The node-lost closes verkehr writes once a node starts again change nothing; then its
        // node-lost event comes, and devman forgets the node.
        event("close", both, lost + "/2", heartbeat, "192.0.2.91");
        nodeEvent("node-lost", lost, heartbeat);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (redis.opsForHash().hasKey("devman:lost-nodes", lost) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(redis.opsForHash().hasKey("devman:lost-nodes", lost)).isFalse();
        assertThat(device(both).path("online_via").toString()).isEqualTo("[\"ssmp\"]");
        assertThat(device(onlyLost).path("online").asBoolean()).isFalse();
        redis.opsForHash().delete("devman:verkehr-nodes", alive);
    }

    @Test
    void xmppPresenceAddsATransportAndItsLeaveRemovesIt() throws Exception {
        DID did = DID.random();
        event("login", did, "node-a:60", System.currentTimeMillis(), "192.0.2.80");
        awaitOnline(did, true);
        HttpResponse<String> r = post("/v1/presence",
                "{\"events\":[{\"did\":\"" + did.hex() + "\",\"state\":\"online\",\"session\":\"" + did.hex() + "@aero.local/x\"}]}");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(device(did).path("online_via").toString()).isEqualTo("[\"ssmp\",\"xmpp\"]");
        event("close", did, "node-a:60", System.currentTimeMillis(), "192.0.2.80");
        DID marker = DID.random();
        event("login", marker, "node-a:61", System.currentTimeMillis(), "192.0.2.81");
        awaitOnline(marker, true);
        assertThat(device(did).path("online_via").toString()).isEqualTo("[\"xmpp\"]");
        post("/v1/presence", "{\"events\":[{\"did\":\"" + did.hex() + "\",\"state\":\"offline\",\"session\":\"" + did.hex() + "@aero.local/x\"}]}");
        assertThat(device(did).path("online").asBoolean()).isFalse();
    }

    @Test
    void presenceBatchesAreCheckedWholeBeforeAnyIsApplied() throws Exception {
        DID did = DID.random();
        String good = "{\"did\":\"" + did.hex() + "\",\"state\":\"online\",\"session\":\"s1\"}";
        assertProblem(post("/v1/presence", "{\"events\":[" + good + ",{\"did\":\"nope\",\"state\":\"online\",\"session\":\"s\"}]}"),
                400, "invalid-identifier");
        assertProblem(post("/v1/presence", "{\"events\":[" + good + ",{\"did\":\"" + did.hex() + "\",\"state\":\"maybe\",\"session\":\"s\"}]}"),
                400, "event-invalid");
        assertProblem(post("/v1/presence", "{\"events\":[{\"did\":\"" + did.hex() + "\",\"state\":\"online\",\"session\":\"s\",\"transport\":\"ssmp\"}]}"),
                400, "event-invalid");
        assertThat(get("/v1/devices/" + did.hex(), true).statusCode()).isEqualTo(404);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            many.add(good);
        }
        assertProblem(post("/v1/presence", "{\"events\":[" + String.join(",", many) + "]}"), 400, "batch-too-large");
    }

    // ---- check-in ----

    private HttpResponse<String> checkin(SSLContext tls) throws Exception {
        return HttpClient.newBuilder().sslContext(tls).build().send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + listener.port() + "/v1/checkin"))
                        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDeviceChecksInWithItsCertificateAndIsSeenFromItsAddress() throws Exception {
        DID did = DID.random();
        HttpResponse<String> r = checkin(pki.clientContext(pki.device(did.hex(), "user@example.com")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("did").asString()).isEqualTo(did.hex());
        assertThat(body.path("checkin_interval_seconds").asLong()).isEqualTo(60);
        JsonNode d = device(did);
        assertThat(d.path("ip_address").asString()).isEqualTo("127.0.0.1");
        assertThat(d.path("online").asBoolean()).isFalse();
        assertThat(Instant.parse(d.path("last_seen_time").asString())).isAfter(Instant.now().minusSeconds(10));
    }

    @Test
    void theClientSdkChecksInAndKeepsCheckingIn() throws Exception {
        DID did = DID.random();
        SSLContext tls = pki.clientContext(pki.device(did.hex(), "user@example.com"));
        try (CheckinClient client = new CheckinClient(URI.create("https://localhost:" + listener.port()), tls)) {
            CheckinClient.CheckedIn first = client.checkin();
            assertThat(first.ipAddress()).isEqualTo("127.0.0.1");
            assertThat(first.interval()).isEqualTo(Duration.ofSeconds(60));
            List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            client.start(failures::add);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (Instant.parse(device(did).path("last_seen_time").asString()).equals(first.time()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(Instant.parse(device(did).path("last_seen_time").asString())).isAfter(first.time());
            assertThat(failures).isEmpty();
            // Both check-ins on one TLS connection: devman's device listener keeps it past the interval.
            assertThat(client.connectionsOpened()).isEqualTo(1);
        }
    }

    @Test
    void aRevokedCertificateCannotCheckIn() throws Exception {
        DID did = DID.random();
        TestPki.Credentials device = pki.device(did.hex(), "user@example.com");
        pki.revoke(device.serial());
        SSLContext tls = pki.clientContext(device);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        HttpResponse<String> r = checkin(tls);
        while (r.statusCode() == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            r = checkin(tls);
        }
        assertProblem(r, 401, "certificate-revoked");
    }

    @Test
    void aForwardedCertificateAndAddressAreBelievedFromATrustedProxyOnly() throws Exception {
        DID did = DID.random();
        TestPki.Credentials device = pki.device(did.hex(), "user@example.com");
        String header = URLEncoder.encode(TestPki.pem(device.certificate()), StandardCharsets.US_ASCII);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/checkin"))
                .header("X-Client-Certificate", header).header("X-Forwarded-For", "198.51.100.9, 127.0.0.1")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(device(did).path("ip_address").asString()).isEqualTo("198.51.100.9");

        // A certificate of another CA in the header is refused.
        String foreign = URLEncoder.encode(TestPki.pem(TestPki.foreign(DID.random().hex()).certificate()), StandardCharsets.US_ASCII);
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/checkin"))
                .header("X-Client-Certificate", foreign).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(refused, 401, "certificate-untrusted");
    }

    @Test
    void aCheckInWithoutACertificateIsRefused() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/checkin"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertProblem(r, 401, "certificate-required");
    }

}
