package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.testing.StubHttpServer;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;

/**
 * The service REST API on real Redis. verkehr's publish endpoint is stood in for by a small HTTP
 * server that records what command-server pushes (and can refuse, to play verkehr being down).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class ServiceQueueApiTest {

    private static final String SECRET = "test-deployment-secret";
    private static final String EVENTS = "test:verkehr-events";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final BlockingQueue<String> PUSHES = new LinkedBlockingQueue<>();
    private static final AtomicInteger VERKEHR_STATUS = new AtomicInteger(200);
    private static final HttpServer VERKEHR = verkehr();

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    CommandQueues queues;

    @Autowired
    org.springframework.data.redis.core.StringRedisTemplate redis;

    private static HttpServer verkehr() {
        return StubHttpServer.start("/v1/publish", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = VERKEHR_STATUS.get();
            if (status == 200 && auth != null && auth.endsWith(" " + SECRET)) {
                PUSHES.add(body);
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
    }

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("aero.commands.deployment-secret", () -> SECRET);
        registry.add("aero.commands.verkehr-url", () -> StubHttpServer.url(VERKEHR));
        registry.add("aero.commands.events-stream", () -> EVENTS);
        registry.add("aero.commands.device-tls.enabled", () -> false);
    }

    @AfterAll
    static void stopVerkehr() {
        VERKEHR.stop(0);
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(ServiceCredential.HEADER, new ServiceCredential("sp-service", SECRET).toHeaderValue())
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(5));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void enqueuedCommandIsQueuedAndPushedToTheDevicesCommandTopic() throws Exception {
        DID did = DID.random();
        HttpResponse<String> r = call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"REFRESH_CRL\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        long epoch = JSON.readTree(r.body()).path("epoch").asLong();
        assertThat(epoch).isPositive();
        JsonNode push = JSON.readTree(pushFor(did, Duration.ofSeconds(5)));
        assertThat(push.path("topic").asString()).isEqualTo("cmd/" + did.hex());
        Command pushed = CommandCodec.fromPushPayload(push.path("payload").asString());
        assertThat(pushed.getType()).isEqualTo(CommandType.REFRESH_CRL);
        assertThat(pushed.getEpoch()).isEqualTo(epoch);
        JsonNode queue = JSON.readTree(call("GET", "/v1/devices/" + did.hex() + "/commands", null).body());
        assertThat(queue.path("size").asInt()).isEqualTo(1);
        assertThat(queue.path("commands").get(0).path("command").path("type").asString()).isEqualTo("REFRESH_CRL");
    }

    @Test
    void queueActivityShowsInTheMetrics() throws Exception {
        DID did = DID.random();
        call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"LOG_THREADS\"}");
        queues.ack(did, queues.head(did).epoch());
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("aero_commands_enqueues_total\\{[^}]*\\} [1-9]")
                .containsPattern("aero_commands_acks_total\\{[^}]*\\} [1-9]")
                .contains("aero_commands_queue_depth_bucket").contains("aero_commands_dead_letters_total")
                .contains("aero_commands_pushes_total");
    }

    @Test
    void uploadLogsCarriesItsArguments() throws Exception {
        DID did = DID.random();
        String body = "{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"d-42\",\"expiry_time\":1900000000000,"
                + "\"destination\":{\"hostname\":\"logs.example.com\",\"port\":443}}}";
        assertThat(call("POST", "/v1/devices/" + did.hex() + "/commands", body).statusCode()).isEqualTo(200);
        assertThat(queues.head(did).command()).isEqualTo("10:d-42:1900000000000:logs.example.com:443");
    }

    @Test
    void enqueueSucceedsWhileVerkehrIsDown() throws Exception {
        DID did = DID.random();
        VERKEHR_STATUS.set(503);
        try {
            assertThat(call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":4}").statusCode()).isEqualTo(200);
            assertThat(queues.head(did).command()).isEqualTo("4");
        } finally {
            VERKEHR_STATUS.set(200);
        }
    }

    @Test
    void aFailedPushIsRetriedBySweepOnceVerkehrIsBack() throws Exception {
        DID did = DID.random();
        VERKEHR_STATUS.set(503);
        long failedAt;
        try {
            assertThat(call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"CHECK_UPDATE\"}").statusCode()).isEqualTo(200);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (redis.opsForZSet().score(CommandQueues.UNPUSHED, did.hex()) == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            failedAt = System.nanoTime();
            assertThat(redis.opsForZSet().score(CommandQueues.UNPUSHED, did.hex())).as("on the retry index").isNotNull();
        } finally {
            VERKEHR_STATUS.set(200);
        }
        String push = pushFor(did, Duration.ofSeconds(5));
        assertThat(push).as("pushed again by the sweep").isNotNull();
        assertThat(CommandCodec.fromPushPayload(JSON.readTree(push).path("payload").asString()).getType()).isEqualTo(CommandType.CHECK_UPDATE);
        assertThat(Duration.ofNanos(System.nanoTime() - failedAt)).isGreaterThan(Duration.ofMillis(500));
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (redis.opsForZSet().score(CommandQueues.UNPUSHED, did.hex()) != null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(redis.opsForZSet().score(CommandQueues.UNPUSHED, did.hex())).as("off the retry index").isNull();
    }

    @Test
    void aDeviceLoginOnVerkehrPushesItsHeadCommand() throws Exception {
        DID did = DID.random();
        // Queued without any push (as after a crash between enqueue and push).
        long epoch = queues.enqueue(did, "3");
        redis.opsForStream().add(EVENTS, java.util.Map.of("type", "login", "id", did.hex() + "/sync", "did", did.hex(),
                "address", "127.0.0.1", "node", "n1", "conn", "n1/1", "time", Long.toString(System.currentTimeMillis()),
                "scheme", "cert"));
        String push = pushFor(did, Duration.ofSeconds(5));
        assertThat(push).isNotNull();
        Command pushed = CommandCodec.fromPushPayload(JSON.readTree(push).path("payload").asString());
        assertThat(pushed.getType()).isEqualTo(CommandType.UNLINK_AND_WIPE_SELF);
        assertThat(pushed.getEpoch()).isEqualTo(epoch);
        // A device with an empty queue gets nothing on login.
        DID idle = DID.random();
        redis.opsForStream().add(EVENTS, java.util.Map.of("type", "login", "id", idle.hex(), "did", idle.hex()));
        assertThat(pushFor(idle, Duration.ofMillis(1500))).isNull();
    }

    /** The first recorded push to {@code cmd/<did>} within {@code wait}, or null. */
    private static String pushFor(DID did, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        java.util.List<String> others = new java.util.ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                String p = PUSHES.poll(50, TimeUnit.MILLISECONDS);
                if (p != null && p.contains("cmd/" + did.hex())) {
                    return p;
                }
                if (p != null) {
                    others.add(p);
                }
            }
            return null;
        } finally {
            PUSHES.addAll(others);
        }
    }

    @Test
    void replaceLeavesOnlyTheNewCommandAndFlushEmptiesTheQueue() throws Exception {
        DID did = DID.random();
        call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}");
        assertThat(call("PUT", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"UNLINK_SELF\"}").statusCode()).isEqualTo(200);
        assertThat(queues.list(did)).extracting(CommandQueues.Queued::command).containsExactly("2");
        assertThat(call("DELETE", "/v1/devices/" + did.hex() + "/commands", null).statusCode()).isEqualTo(204);
        assertThat(queues.head(did).empty()).isTrue();
    }

    @Test
    void legacyEnqueueAnswers204AndRefusesUnknownTypesAndBadIds() throws Exception {
        DID did = DID.random();
        assertThat(call("POST", "/devices/" + did.hex() + "/queues/INVALIDATE_DEVICE_NAME_CACHE", null).statusCode()).isEqualTo(204);
        assertThat(queues.head(did).command()).isEqualTo("0");
        assertThat(call("POST", "/devices/" + did.hex() + "/queues/NO_SUCH_COMMAND", null).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/devices/not-a-device/queues/REFRESH_CRL", null).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/devices/" + did.hex() + "/queues/UPLOAD_LOGS", null).statusCode()).isEqualTo(400);
        assertThat(queues.list(did)).hasSize(1);
    }

    @Test
    void badCommandsAreProblemsAndChangeNothing() throws Exception {
        DID did = DID.random();
        HttpResponse<String> unknown = call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"FORMAT_DISK\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("command-type-unknown");
        HttpResponse<String> noArgs = call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"UPLOAD_LOGS\"}");
        assertThat(noArgs.statusCode()).isEqualTo(400);
        assertThat(noArgs.body()).contains("command-invalid");
        assertThat(call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"UNLINK_SELF\",\"upload_logs\":{}}").statusCode())
                .isEqualTo(400);
        assertThat(call("POST", "/v1/devices/" + did.hex() + "/commands", "not json").statusCode()).isEqualTo(400);
        assertThat(queues.head(did).empty()).isTrue();
    }

    @Test
    void serviceCredentialsAreRequired() throws Exception {
        HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/command-types")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("invalid-service-credentials");
        HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/command-types"))
                .header(ServiceCredential.HEADER, new ServiceCredential("sp-service", "wrong").toHeaderValue()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(call("GET", "/v1/command-types", null).body()).contains("\"UPLOAD_LOGS\"").contains("\"number\":10");
    }

    @Test
    void deadLettersAreListedAndRedriven() throws Exception {
        DID did = DID.random();
        call("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":\"SEND_DEFECT\"}");
        for (int i = 0; i < 10; i++) {
            queues.retryLater(did, queues.head(did).epoch());
        }
        assertThat(queues.head(did).empty()).isTrue();
        assertThat(call("GET", "/v1/dead-letters", null).body()).contains(did.hex());
        JsonNode letters = JSON.readTree(call("GET", "/v1/devices/" + did.hex() + "/dead-letters", null).body());
        assertThat(letters.get(0).path("command").path("type").asString()).isEqualTo("SEND_DEFECT");
        assertThat(letters.get(0).path("attempts").asInt()).isEqualTo(10);
        assertThat(JSON.readTree(call("POST", "/v1/devices/" + did.hex() + "/dead-letters/redrive", null).body()).path("commands").asInt())
                .isEqualTo(1);
        assertThat(queues.head(did).command()).isEqualTo("8");
    }

    @Test
    void statsCountCommandsWaitingAndDeadLettersForServicesOnly() throws Exception {
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        JsonNode stats = JSON.readTree(call("GET", "/v1/stats", null).body());
        for (String field : new String[] {"devices_with_commands", "commands_waiting", "devices_with_dead_letters", "dead_letters"}) {
            assertThat(stats.path(field).isIntegralNumber()).as(field).isTrue();
            assertThat(stats.path(field).asLong()).as(field).isNotNegative();
        }
        assertThat(stats.path("commands_waiting").asLong()).isGreaterThanOrEqualTo(stats.path("devices_with_commands").asLong());
        assertThat(stats.path("dead_letters").asLong()).isGreaterThanOrEqualTo(stats.path("devices_with_dead_letters").asLong());
        assertThat(Instant.parse(stats.path("counted_at").asString())).isBetween(Instant.now().minusSeconds(10), Instant.now());
    }
}
