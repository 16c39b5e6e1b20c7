package dev.aero.sp.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

import dev.aero.client.sp.AuditEvent;
import dev.aero.client.sp.DeviceCommands;
import dev.aero.common.id.DID;
import dev.aero.common.testing.StubHttpServer;
import dev.aero.sp.SpServiceTest;
import dev.aero.sp.SpTestSupport;
import tools.jackson.databind.JsonNode;

/**
 * The SP changes that send devices commands, through the outbox, and the admins' view of a
 * device's queue and dead letters. command-server's service API is stood in for by a small HTTP
 * server that records each delivery, answers queue reads and re-drives from what a test put in
 * it (and can refuse, to play command-server being down).
 */
@SpServiceTest
class DeviceCommandsTest extends SpTestSupport {

    /** One delivery: method, device, body. */
    record Delivery(String method, String device, String body) { }

    private static final List<Delivery> DELIVERIES = new CopyOnWriteArrayList<>();
    private static final AtomicInteger STATUS = new AtomicInteger(200);
    /** device -> the answer to GET .../commands, .../dead-letters and POST .../dead-letters/redrive. */
    private static final Map<String, String> QUEUES = new ConcurrentHashMap<>();
    private static final Map<String, String> DEAD_LETTERS = new ConcurrentHashMap<>();
    private static final Map<String, Integer> REDRIVABLE = new ConcurrentHashMap<>();
    /** Each queue read or re-drive: "method path credential". */
    private static final List<String> QUEUE_CALLS = new CopyOnWriteArrayList<>();
    private static final HttpServer COMMAND_SERVER = commandServer();
    /** The deployment secret of the tests' configuration, which SP's calls carry. */
    private static final String SECRET = "test-deployment-secret";

    private static HttpServer commandServer() {
        return StubHttpServer.start("/v1/devices/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            String rest = path.substring("/v1/devices/".length());
            String device = rest.substring(0, rest.indexOf('/'));
            String resource = rest.substring(rest.indexOf('/'));
            String method = exchange.getRequestMethod();
            int status = STATUS.get();
            String answer;
            if (status != 200) {
                answer = null;
            } else if (resource.equals("/commands") && (method.equals("POST") || method.equals("PUT"))) {
                DELIVERIES.add(new Delivery(method, device, body));
                answer = "{\"epoch\":1}";
            } else {
                QUEUE_CALLS.add(method + " " + path + " " + exchange.getRequestHeaders().getFirst("Authorization"));
                answer = switch (method + " " + resource) {
                    case "GET /commands" -> QUEUES.getOrDefault(device, "{\"did\":\"" + device + "\",\"size\":0,\"commands\":[]}");
                    case "GET /dead-letters" -> DEAD_LETTERS.getOrDefault(device, "[]");
                    case "POST /dead-letters/redrive" -> "{\"did\":\"" + device + "\",\"commands\":"
                            + REDRIVABLE.getOrDefault(device, 0) + "}";
                    default -> null;
                };
                status = answer == null ? 404 : 200;
            }
            if (answer != null) {
                byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            } else {
                exchange.sendResponseHeaders(status, -1);
            }
            exchange.close();
        });
    }

    @DynamicPropertySource
    static void commandServerUrl(DynamicPropertyRegistry registry) {
        registry.add("aero.sp.commands.url", () -> StubHttpServer.url(COMMAND_SERVER));
    }

    @AfterAll
    static void stopCommandServer() {
        COMMAND_SERVER.stop(0);
    }

    private static List<Delivery> awaitDeliveries(String device, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Delivery> mine = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            mine = DELIVERIES.stream().filter(d -> d.device().equals(device)).toList();
            if (mine.size() >= n) {
                return mine;
            }
            Thread.sleep(20);
        }
        return mine;
    }

    @Test
    void unlinkWithWipeReplacesTheDevicesQueueAndTellsTheOtherDevicesToRefetchTheCrl() throws Exception {
        Account owner = member("unlinker");
        RegisteredDevice gone = register(owner);
        RegisteredDevice stays = register(owner);
        owner.client().unlinkDevice(gone.id(), true);
        assertThat(awaitDeliveries(gone.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("PUT", gone.id().hex(), "{\"type\":\"UNLINK_AND_WIPE_SELF\"}"));
        assertThat(awaitDeliveries(stays.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("POST", stays.id().hex(), "{\"type\":\"REFRESH_CRL\"}"));
        assertThat(awaitOutboxEmptyFor(gone.id().hex(), stays.id().hex())).as("delivered rows are deleted").isTrue();
    }

    @Test
    void renamingADeviceTellsTheOwnersOtherDevices() throws Exception {
        Account owner = member("renamer");
        RegisteredDevice renamed = register(owner);
        RegisteredDevice other = register(owner);
        owner.client().renameDevice(renamed.id(), "Laptop");
        assertThat(awaitDeliveries(other.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("POST", other.id().hex(), "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}"));
        Thread.sleep(300);
        assertThat(DELIVERIES.stream().filter(d -> d.device().equals(renamed.id().hex()))).isEmpty();
    }

    @Test
    void anAdminsRenameTellsTheOwnersOtherDevicesAsTheOwnersDoes() throws Exception {
        Account owner = member("admin-renamed");
        RegisteredDevice renamed = register(owner);
        RegisteredDevice other = register(owner);
        admin().client().renameDevice(renamed.id(), "Reception");
        assertThat(awaitDeliveries(other.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("POST", other.id().hex(), "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}"));
        Thread.sleep(300);
        assertThat(DELIVERIES.stream().filter(d -> d.device().equals(renamed.id().hex()))).isEmpty();
    }

    @Test
    void anAdminReadsADevicesQueueAndDeadLettersFromCommandServer() throws Exception {
        Account owner = member("queued");
        RegisteredDevice device = register(owner);
        String did = device.id().hex();
        QUEUES.put(did, "{\"did\":\"" + did + "\",\"size\":2,\"commands\":["
                + "{\"epoch\":7,\"command\":{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"case-9\",\"expiry_time\":1767225600000}},"
                + "\"attempts\":2,\"created_at\":\"2026-01-01T10:00:00Z\"},"
                + "{\"epoch\":8,\"command\":{\"type\":\"REFRESH_CRL\"},\"attempts\":0,\"created_at\":\"2026-01-01T10:00:01.5Z\"}]}");
        DEAD_LETTERS.put(did, "[{\"command\":{\"type\":\"INVALIDATE_USER_NAME_CACHE\"},\"attempts\":10,"
                + "\"created_at\":\"2026-01-01T09:00:00Z\",\"dead_at\":\"2026-01-01T09:30:00Z\"}]");

        DeviceCommands queue = admin().client().deviceCommands(device.id());
        assertThat(queue.commands()).containsExactly(
                new DeviceCommands.Command(7, "UPLOAD_LOGS", Map.of("defect_id", "case-9", "expiry_time", 1767225600000L), 2,
                        Instant.parse("2026-01-01T10:00:00Z")),
                new DeviceCommands.Command(8, "REFRESH_CRL", null, 0, Instant.parse("2026-01-01T10:00:01.5Z")));
        assertThat(queue.deadLetters()).containsExactly(new DeviceCommands.DeadLetter("INVALIDATE_USER_NAME_CACHE", null, 10,
                Instant.parse("2026-01-01T09:00:00Z"), Instant.parse("2026-01-01T09:30:00Z")));
        assertThat(QUEUE_CALLS).contains("GET /v1/devices/" + did + "/commands Aero-Service-Shared-Secret sp-service " + SECRET,
                "GET /v1/devices/" + did + "/dead-letters Aero-Service-Shared-Secret sp-service " + SECRET);

        // SP's own JSON: snake_case, a command without arguments says so with null.
        String adminToken = anonymous().signIn(admin().email(), PASSWORD).token();
        JsonNode raw = JSON.readTree(raw("GET", "/api/v1/devices/" + did + "/commands", null, null, adminToken).body());
        assertThat(raw.path("commands").get(1).has("arguments")).isTrue();
        assertThat(raw.path("commands").get(1).get("arguments").isNull()).isTrue();
        assertThat(raw.path("commands").get(0).path("created_at").asString()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(raw.path("dead_letters").get(0).path("dead_at").asString()).isEqualTo("2026-01-01T09:30:00Z");

        // An empty queue is two empty lists.
        RegisteredDevice idle = register(owner);
        DeviceCommands none = admin().client().deviceCommands(idle.id());
        assertThat(none.commands()).isEmpty();
        assertThat(none.deadLetters()).isEmpty();
    }

    @Test
    void onlyAdminsSeeOrRedriveADevicesQueueAndOnlyOfLinkedDevices() throws Exception {
        Account owner = member("queue-owner");
        RegisteredDevice device = register(owner);
        RegisteredDevice unlinked = register(owner);
        owner.client().unlinkDevice(unlinked.id(), false);
        int calls = QUEUE_CALLS.size();
        assertProblem(problem(() -> owner.client().deviceCommands(device.id())), 403, "admin-required");
        assertProblem(problem(() -> owner.client().redriveDeadLetters(device.id())), 403, "admin-required");
        assertProblem(problem(() -> member("queue-snoop").client().deviceCommands(device.id())), 403, "admin-required");
        assertProblem(problem(() -> admin().client().deviceCommands(DID.random())), 404, "device-not-found");
        assertProblem(problem(() -> admin().client().redriveDeadLetters(DID.random())), 404, "device-not-found");
        assertProblem(problem(() -> admin().client().deviceCommands(unlinked.id())), 404, "device-not-found");
        assertProblem(problem(() -> admin().client().redriveDeadLetters(unlinked.id())), 404, "device-not-found");
        assertThat(QUEUE_CALLS).as("command-server is not asked for refused calls").hasSize(calls);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_events WHERE type = 'DEAD_LETTERS_REDRIVEN' AND target IN (?, ?)",
                Integer.class, device.id().hex(), unlinked.id().hex())).isZero();
    }

    @Test
    void anAdminRedrivesADevicesDeadLettersAndTheCountIsAudited() throws Exception {
        Account owner = member("redriven");
        RegisteredDevice device = register(owner);
        String did = device.id().hex();
        REDRIVABLE.put(did, 3);
        assertThat(admin().client().redriveDeadLetters(device.id())).isEqualTo(3);
        assertThat(QUEUE_CALLS).contains("POST /v1/devices/" + did + "/dead-letters/redrive Aero-Service-Shared-Secret sp-service "
                + SECRET);
        AuditEvent event = admin().client().auditEvents(10, null, List.of("DEAD_LETTERS_REDRIVEN"), null, null, null).events()
                .stream().filter(e -> did.equals(e.target())).findFirst().orElseThrow();
        assertThat(event.actor()).isEqualTo(admin().email());
        assertThat(event.details()).containsEntry("commands", 3).containsEntry("owner", owner.email());

        String adminToken = anonymous().signIn(admin().email(), PASSWORD).token();
        var response = raw("POST", "/api/v1/devices/" + did + "/dead-letters/redrive", null, null, adminToken);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("commands").asLong()).isEqualTo(3);
    }

    @Test
    void whenCommandServerDoesNotAnswerQueueReadsAndRedrivesAre503AndNothingIsAudited() throws Exception {
        Account owner = member("unreachable-queue");
        RegisteredDevice device = register(owner);
        STATUS.set(503);
        try {
            assertProblem(problem(() -> admin().client().deviceCommands(device.id())), 503, "command-server-unavailable");
            assertProblem(problem(() -> admin().client().redriveDeadLetters(device.id())), 503, "command-server-unavailable");
        } finally {
            STATUS.set(200);
        }
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM audit_events WHERE type = 'DEAD_LETTERS_REDRIVEN' AND target = ?",
                Integer.class, device.id().hex())).isZero();
    }

    @Test
    void changingAUsersNameTellsItsDevices() throws Exception {
        Account user = member("namechanger");
        RegisteredDevice device = register(user);
        user.client().updateName("New", "Name");
        assertThat(awaitDeliveries(device.id().hex(), 1)).singleElement()
                .isEqualTo(new Delivery("POST", device.id().hex(), "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}"));
    }

    @Test
    void anAdminAsksADeviceForItsLogs() throws Exception {
        Account admin = admin();
        Account owner = member("logs");
        RegisteredDevice device = register(owner);
        String adminToken = anonymous().signIn(admin.email(), PASSWORD).token();
        String ownerToken = anonymous().signIn(owner.email(), PASSWORD).token();
        var response = raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json",
                "{\"defect_id\":\"case-77\",\"expires_in_hours\":2}", adminToken);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.body()).contains("\"defect_id\":\"case-77\"");
        Delivery d = awaitDeliveries(device.id().hex(), 1).getFirst();
        assertThat(d.method()).isEqualTo("POST");
        assertThat(d.body()).startsWith("{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"case-77\",\"expiry_time\":");
        // Members may not, and bad input is refused.
        assertThat(raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json", "{}",
                ownerToken).statusCode()).isEqualTo(403);
        assertThat(raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json",
                "{\"defect_id\":\"bad id\"}", adminToken).statusCode()).isEqualTo(400);
        assertThat(raw("POST", "/api/v1/devices/" + device.id().hex() + "/logs-request", "application/json",
                "{\"expires_in_hours\":100000}", adminToken).statusCode()).isEqualTo(400);
    }

    @Test
    void commandsWaitInTheOutboxWhileCommandServerIsDownAndArriveInOrderAfter() throws Exception {
        Account owner = member("patient");
        RegisteredDevice gone = register(owner);
        RegisteredDevice other = register(owner);
        STATUS.set(503);
        try {
            owner.client().renameDevice(other.id(), "Desk");
            owner.client().unlinkDevice(gone.id(), false);
            Thread.sleep(1500);
            // The rename's INVALIDATE for `gone`, the unlink for `gone`, and REFRESH_CRL for `other`.
            assertThat(pending(gone.id().hex(), other.id().hex())).isEqualTo(3);
            assertThat(jdbc.queryForObject("SELECT MAX(attempts) FROM command_outbox WHERE device_id IN (?, ?)", Integer.class,
                    gone.id().hex(), other.id().hex())).isPositive();
        } finally {
            STATUS.set(200);
        }
        assertThat(awaitDeliveries(gone.id().hex(), 2)).extracting(Delivery::body)
                .containsExactly("{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}", "{\"type\":\"UNLINK_SELF\"}");
        assertThat(awaitOutboxEmptyFor(gone.id().hex(), other.id().hex())).isTrue();
    }

    private int pending(String a, String b) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM command_outbox WHERE device_id IN (?, ?)", Integer.class, a, b);
    }

    private boolean awaitOutboxEmptyFor(String a, String b) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (pending(a, b) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return pending(a, b) == 0;
    }
}
