package dev.aero.sp.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * server that records each delivery (an entry of a {@code POST /v1/queues/batch}, or a request
 * of its own), answers queue reads and re-drives from what a test put in it (and can refuse, to
 * play command-server being down, refusing some devices' commands, or having no batch endpoint).
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
    /** The devices of each batch request, in the order of its entries. */
    private static final List<List<String>> BATCHES = new CopyOnWriteArrayList<>();
    /** Deliveries that came as requests of their own (not in a batch). */
    private static final List<Delivery> SINGLE = new CopyOnWriteArrayList<>();
    /** Entries the stub answered with an error, because their device is in {@link #REFUSED}. */
    private static final List<Delivery> REFUSALS = new CopyOnWriteArrayList<>();
    private static final Set<String> REFUSED = ConcurrentHashMap.newKeySet();
    /** The batch endpoint's status when not 200 (404: an older command-server without it). */
    private static final AtomicInteger BATCH_STATUS = new AtomicInteger(200);
    private static final HttpServer COMMAND_SERVER = commandServer();
    /** The deployment secret of the tests' configuration, which SP's calls carry. */
    private static final String SECRET = "test-deployment-secret";

    private static HttpServer commandServer() {
        HttpServer server = StubHttpServer.start("/v1/devices/", exchange -> {
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
                SINGLE.add(new Delivery(method, device, body));
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
        server.createContext("/v1/queues/batch", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = STATUS.get() != 200 ? STATUS.get() : BATCH_STATUS.get();
            if (status != 200 || !exchange.getRequestMethod().equals("POST")) {
                exchange.sendResponseHeaders(status != 200 ? status : 405, -1);
                exchange.close();
                return;
            }
            List<String> devices = new ArrayList<>();
            StringBuilder results = new StringBuilder();
            for (JsonNode entry : JSON.readTree(body).path("entries")) {
                String device = entry.path("device").asString();
                Delivery delivery = new Delivery(entry.path("replace").asBoolean() ? "PUT" : "POST", device,
                        entry.path("command").toString());
                devices.add(device);
                results.append(results.isEmpty() ? "" : ",");
                if (REFUSED.contains(device)) {
                    REFUSALS.add(delivery);
                    results.append("{\"error\":{\"type\":\"urn:aero:problem:command-invalid\",\"title\":\"Bad Request\","
                            + "\"status\":400,\"detail\":\"refused by the test\"}}");
                } else {
                    DELIVERIES.add(delivery);
                    results.append("{\"epoch\":").append(DELIVERIES.size()).append('}');
                }
            }
            BATCHES.add(devices);
            byte[] bytes = ("{\"results\":[" + results + "]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        return server;
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

    @Test
    void theCommandsOfEightyDevicesGoOutInOneRequest() throws Exception {
        List<String> devices = new ArrayList<>();
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            String did = DID.random().hex();
            devices.add(did);
            rows.add(new Object[] {did, i % 2 == 0 ? "{\"type\":\"REFRESH_CRL\"}" : "{\"type\":\"UNLINK_SELF\"}", i % 2 == 1});
        }
        outbox(rows);
        for (int i = 0; i < 80; i++) {
            assertThat(awaitDeliveries(devices.get(i), 1)).singleElement().isEqualTo(new Delivery(i % 2 == 0 ? "POST" : "PUT",
                    devices.get(i), i % 2 == 0 ? "{\"type\":\"REFRESH_CRL\"}" : "{\"type\":\"UNLINK_SELF\"}"));
        }
        List<List<String>> requests = BATCHES.stream().filter(b -> b.stream().anyMatch(devices::contains)).toList();
        assertThat(requests).as("requests that carried any of the 80").hasSize(1);
        assertThat(requests.getFirst()).containsAll(devices);
        assertThat(SINGLE.stream().filter(d -> devices.contains(d.device()))).isEmpty();
        assertThat(awaitOutboxEmpty(devices)).isTrue();
    }

    @Test
    void aRefusedCommandHoldsItsDevicesLaterCommandsWhileOtherDevicesGoOn() throws Exception {
        String refused = DID.random().hex();
        String other = DID.random().hex();
        REFUSED.add(refused);
        try {
            outbox(List.of(new Object[] {refused, "{\"type\":\"REFRESH_CRL\"}", false},
                    new Object[] {other, "{\"type\":\"REFRESH_CRL\"}", false},
                    new Object[] {refused, "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}", false},
                    new Object[] {other, "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}", false}));
            assertThat(awaitDeliveries(other, 2)).extracting(Delivery::body)
                    .containsExactly("{\"type\":\"REFRESH_CRL\"}", "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}");
            List<List<String>> otherRequests = BATCHES.stream().filter(b -> b.contains(other)).toList();
            assertThat(otherRequests).as("one row of a device per request").hasSize(2)
                    .allSatisfy(b -> assertThat(b).containsOnlyOnce(other));
            assertThat(otherRequests.getFirst()).as("the first round carries both devices' first rows").contains(refused);
            Thread.sleep(300);
            assertThat(DELIVERIES.stream().filter(d -> d.device().equals(refused))).isEmpty();
            assertThat(REFUSALS.stream().filter(d -> d.device().equals(refused))).as("only the first row was ever sent")
                    .isNotEmpty().extracting(Delivery::body).containsOnly("{\"type\":\"REFRESH_CRL\"}");
            List<Map<String, Object>> held = jdbc.queryForList(
                    "SELECT command_json, attempts, last_error FROM command_outbox WHERE device_id = ? ORDER BY id", refused);
            assertThat(held).hasSize(2);
            assertThat(((Number) held.get(0).get("attempts")).intValue()).isPositive();
            assertThat((String) held.get(0).get("last_error")).startsWith("HTTP 400 ").contains("urn:aero:problem:command-invalid")
                    .contains("refused by the test");
            assertThat(((Number) held.get(1).get("attempts")).intValue()).as("held back, never tried").isZero();
            assertThat(held.get(1).get("last_error")).isNull();
        } finally {
            REFUSED.remove(refused);
        }
        // Taken at the next retry (1 s after the refusal), and still in order.
        assertThat(awaitDeliveries(refused, 2)).extracting(Delivery::body)
                .containsExactly("{\"type\":\"REFRESH_CRL\"}", "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}");
        assertThat(awaitOutboxEmpty(List.of(refused, other))).isTrue();
    }

    @Test
    void aCommandServerWithoutTheBatchEndpointGetsOneRequestPerCommandInOrder() throws Exception {
        String a = DID.random().hex();
        String b = DID.random().hex();
        int batches = BATCHES.size();
        BATCH_STATUS.set(404);
        try {
            outbox(List.of(new Object[] {a, "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}", false},
                    new Object[] {b, "{\"type\":\"REFRESH_CRL\"}", false},
                    new Object[] {a, "{\"type\":\"UNLINK_AND_WIPE_SELF\"}", true}));
            assertThat(awaitDeliveries(a, 2)).containsExactly(new Delivery("POST", a, "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}"),
                    new Delivery("PUT", a, "{\"type\":\"UNLINK_AND_WIPE_SELF\"}"));
            assertThat(awaitDeliveries(b, 1)).containsExactly(new Delivery("POST", b, "{\"type\":\"REFRESH_CRL\"}"));
            assertThat(SINGLE.stream().filter(d -> d.device().equals(a) || d.device().equals(b))).hasSize(3);
            assertThat(awaitOutboxEmpty(List.of(a, b))).isTrue();
        } finally {
            BATCH_STATUS.set(200);
        }
        assertThat(BATCHES).as("no batch was taken").hasSize(batches);
    }

    /** Rows written straight to the outbox in one statement (device, command JSON, replace), due now. */
    private void outbox(List<Object[]> rows) {
        StringBuilder sql = new StringBuilder("INSERT INTO command_outbox (device_id, command_json, replace_queue, created_at, attempts, "
                + "next_attempt_at) VALUES ");
        List<Object> args = new ArrayList<>();
        Timestamp now = Timestamp.from(Instant.now().minusSeconds(1));
        for (Object[] row : rows) {
            sql.append(args.isEmpty() ? "" : ", ").append("(?, ?, ?, ?, 0, ?)");
            args.addAll(List.of(row[0], row[1], row[2], now, now));
        }
        jdbc.update(sql.toString(), args.toArray());
    }

    private boolean awaitOutboxEmpty(List<String> devices) throws InterruptedException {
        String in = String.join(",", devices.stream().map(d -> "'" + d + "'").toList());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int left;
        while ((left = jdbc.queryForObject("SELECT COUNT(*) FROM command_outbox WHERE device_id IN (" + in + ")", Integer.class)) > 0
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return left == 0;
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
