package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.command.CommandType;
import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;
import dev.aero.common.testing.StubHttpServer;

/**
 * {@code POST /v1/queues/batch} on real Redis: results in the order of the entries, each the
 * epoch or the problem the single enqueue would have answered; the same epochs and queues as
 * the single enqueues in the same order; replace; the limits (entries, body size) refused with
 * nothing applied; service credentials; one push per device. verkehr's publish endpoint is a
 * stub that records what command-server pushes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class BatchEnqueueTest {

    private static final String SECRET = "test-deployment-secret";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final BlockingQueue<JsonNode> PUSHES = new LinkedBlockingQueue<>();
    private static final HttpServer VERKEHR = StubHttpServer.start("/v1/publish", exchange -> {
        PUSHES.add(JSON.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
    });

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    CommandQueues queues;

    @Autowired
    StringRedisTemplate redis;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("aero.commands.deployment-secret", () -> SECRET);
        registry.add("aero.commands.verkehr-url", () -> StubHttpServer.url(VERKEHR));
        registry.add("aero.commands.events-stream", () -> "test:batch-verkehr-events");
        registry.add("aero.commands.device-tls.enabled", () -> false);
    }

    @AfterAll
    static void stopVerkehr() {
        VERKEHR.stop(0);
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return send(method, path, body, new ServiceCredential("sp-service", SECRET).toHeaderValue());
    }

    private HttpResponse<String> send(String method, String path, String body, String credential) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10));
        if (credential != null) {
            b.header(ServiceCredential.HEADER, credential);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> batch(String body) throws Exception {
        return call("POST", "/v1/queues/batch", body);
    }

    private static String entry(DID did, String command, boolean replace) {
        return entry(did.hex(), command, replace);
    }

    private static String entry(String device, String command, boolean replace) {
        return "{\"device\":\"" + device + "\",\"command\":" + command + (replace ? ",\"replace\":true" : "") + "}";
    }

    private static String entries(List<String> entries) {
        return "{\"entries\":[" + String.join(",", entries) + "]}";
    }

    private JsonNode results(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("results");
    }

    @Test
    void resultsComeInTheOrderOfTheEntriesAndAnInvalidEntryIsAnsweredWithTheSingleEnqueuesProblem() throws Exception {
        DID a = DID.random();
        DID b = DID.random();
        DID c = DID.random();
        String logs = "{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"d-7\",\"expiry_time\":1900000000000}}";
        JsonNode results = results(batch(entries(List.of(
                entry(a, "{\"type\":\"REFRESH_CRL\"}", false),
                entry("not-a-device", "{\"type\":\"REFRESH_CRL\"}", false),
                entry(b, "{\"type\":\"FORMAT_DISK\"}", false),
                entry(b, "{\"type\":\"UPLOAD_LOGS\"}", false),
                entry(b, "{\"type\":\"UNLINK_SELF\",\"upload_logs\":{}}", true),
                entry(c, logs, false),
                "5",
                "{\"device\":\"" + a.hex() + "\"}",
                "{\"device\":\"" + a.hex() + "\",\"command\":{\"type\":\"CHECK_UPDATE\"},\"replace\":\"yes\"}",
                "{\"device\":\"" + a.hex() + "\",\"command\":{\"type\":\"CHECK_UPDATE\",\"upload_logs\":7}}",
                entry(a, "{\"type\":7}", false)))));
        assertThat(results).hasSize(11);
        long first = results.get(0).path("epoch").asLong();
        assertThat(first).isPositive();
        assertThat(results.get(0).has("error")).isFalse();
        assertThat(results.get(5).path("epoch").asLong()).isPositive();
        assertThat(results.get(10).path("epoch").asLong()).as("a's second command").isEqualTo(first + 1);

        // The refused entries carry the problem the single enqueue answers for the same input.
        assertSameProblem(results.get(1), call("POST", "/v1/devices/not-a-device/commands", "{\"type\":\"REFRESH_CRL\"}"),
                "invalid-identifier");
        assertSameProblem(results.get(2), call("POST", "/v1/devices/" + b.hex() + "/commands", "{\"type\":\"FORMAT_DISK\"}"),
                "command-type-unknown");
        assertSameProblem(results.get(3), call("POST", "/v1/devices/" + b.hex() + "/commands", "{\"type\":\"UPLOAD_LOGS\"}"),
                "command-invalid");
        assertSameProblem(results.get(4), call("PUT", "/v1/devices/" + b.hex() + "/commands",
                "{\"type\":\"UNLINK_SELF\",\"upload_logs\":{}}"), "command-invalid");
        // Entries of the wrong shape are malformed, each on its own.
        for (int i : new int[] {6, 7, 8, 9}) {
            JsonNode error = results.get(i).path("error");
            assertThat(error.path("type").asString()).as("entry %d", i).isEqualTo("urn:aero:problem:malformed-request");
            assertThat(error.path("status").asInt()).isEqualTo(400);
            assertThat(error.path("title").asString()).isEqualTo("Bad Request");
            assertThat(error.path("detail").asString()).startsWith("The entry ");
            assertThat(results.get(i).has("epoch")).isFalse();
        }

        assertThat(queues.list(a)).extracting(CommandQueues.Queued::command).containsExactly("4", "7");
        assertThat(queues.list(b)).as("every entry for b was refused").isEmpty();
        assertThat(queues.list(c)).extracting(CommandQueues.Queued::command).containsExactly("10:d-7:1900000000000");
    }

    private static void assertSameProblem(JsonNode result, HttpResponse<String> single, String slug) {
        assertThat(single.statusCode()).isEqualTo(400);
        JsonNode expected = JSON.readTree(single.body());
        JsonNode error = result.path("error");
        assertThat(expected.path("type").asString()).isEqualTo("urn:aero:problem:" + slug);
        for (String field : new String[] {"type", "title", "status", "detail"}) {
            assertThat(error.path(field)).as(field).isEqualTo(expected.path(field));
        }
        assertThat(result.has("epoch")).isFalse();
    }

    @Test
    void epochsAndQueuesAreThoseOfTheSameSingleEnqueuesInOrder() throws Exception {
        DID[] single = {DID.random(), DID.random()};
        DID[] batched = {DID.random(), DID.random()};
        String[][] script = {
            {"0", "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}", "false"},
            {"1", "{\"type\":\"REFRESH_CRL\"}", "false"},
            {"0", "{\"type\":\"CHECK_UPDATE\"}", "false"},
            {"0", "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}", "false"},
            {"1", "{\"type\":\"UNLINK_SELF\"}", "true"},
            {"1", "{\"type\":\"LOG_THREADS\"}", "false"},
        };
        List<Long> expected = new ArrayList<>();
        List<String> batch = new ArrayList<>();
        for (String[] step : script) {
            int d = Integer.parseInt(step[0]);
            boolean replace = Boolean.parseBoolean(step[2]);
            HttpResponse<String> r = call(replace ? "PUT" : "POST", "/v1/devices/" + single[d].hex() + "/commands", step[1]);
            expected.add(JSON.readTree(r.body()).path("epoch").asLong());
            batch.add(entry(batched[d], step[1], replace));
        }
        JsonNode results = results(batch(entries(batch)));
        List<Long> epochs = new ArrayList<>();
        results.forEach(r -> epochs.add(r.path("epoch").asLong()));
        assertThat(epochs).isEqualTo(expected).containsExactly(1L, 1L, 2L, 3L, 2L, 3L);
        for (int d = 0; d < 2; d++) {
            JsonNode want = JSON.readTree(call("GET", "/v1/devices/" + single[d].hex() + "/commands", null).body());
            JsonNode got = JSON.readTree(call("GET", "/v1/devices/" + batched[d].hex() + "/commands", null).body());
            assertThat(got.path("size")).isEqualTo(want.path("size"));
            for (int i = 0; i < want.path("size").asInt(); i++) {
                assertThat(got.path("commands").get(i).path("epoch")).isEqualTo(want.path("commands").get(i).path("epoch"));
                assertThat(got.path("commands").get(i).path("command")).isEqualTo(want.path("commands").get(i).path("command"));
            }
        }
        assertThat(queues.list(batched[0])).extracting(CommandQueues.Queued::command).containsExactly("7", "1");
        assertThat(queues.list(batched[1])).extracting(CommandQueues.Queued::command).containsExactly("2", "9");
    }

    @Test
    void replaceFlushesTheQueueFirstAndTheDeviceIsPushedItsEarliestSurvivingCommandOnce() throws Exception {
        DID did = DID.random();
        queues.enqueue(did, "0");
        queues.enqueue(did, "1");
        JsonNode results = results(batch(entries(List.of(
                entry(did, "{\"type\":\"REFRESH_CRL\"}", false),
                entry(did, "{\"type\":\"UNLINK_AND_WIPE_SELF\"}", true),
                entry(did, "{\"type\":\"CHECK_UPDATE\"}", false)))));
        assertThat(results.get(0).path("epoch").asLong()).isEqualTo(3);
        assertThat(results.get(1).path("epoch").asLong()).isEqualTo(4);
        assertThat(results.get(2).path("epoch").asLong()).isEqualTo(5);
        assertThat(queues.list(did)).extracting(CommandQueues.Queued::command).containsExactly("3", "7");
        assertThat(queues.head(did).epoch()).isEqualTo(4);
        List<Command> pushed = pushesFor(did, Duration.ofSeconds(5), Duration.ofMillis(700));
        assertThat(pushed).as("one push: the new head").containsExactly(
                Command.newBuilder().setType(CommandType.UNLINK_AND_WIPE_SELF).setEpoch(4).build());
    }

    @Test
    void eachDeviceThatGotACommandIsPushedOnceAndARefusedDeviceIsNot() throws Exception {
        DID one = DID.random();
        DID twice = DID.random();
        DID refused = DID.random();
        JsonNode results = results(batch(entries(List.of(
                entry(one, "{\"type\":\"REFRESH_CRL\"}", false),
                entry(twice, "{\"type\":\"INVALIDATE_DEVICE_NAME_CACHE\"}", false),
                entry(refused, "{\"type\":\"NO_SUCH_TYPE\"}", false),
                entry(twice, "{\"type\":\"INVALIDATE_USER_NAME_CACHE\"}", false)))));
        assertThat(pushesFor(one, Duration.ofSeconds(5), Duration.ofMillis(500))).containsExactly(
                Command.newBuilder().setType(CommandType.REFRESH_CRL).setEpoch(results.get(0).path("epoch").asLong()).build());
        assertThat(pushesFor(twice, Duration.ofSeconds(5), Duration.ofMillis(500))).as("the head of the two").containsExactly(
                Command.newBuilder().setType(CommandType.INVALIDATE_DEVICE_NAME_CACHE).setEpoch(1).build());
        assertThat(pushesFor(refused, Duration.ofMillis(500), Duration.ZERO)).isEmpty();
        assertThat(queues.head(refused).empty()).isTrue();
    }

    @Test
    void moreThanAThousandEntriesAreRefusedAndNothingIsApplied() throws Exception {
        List<DID> devices = new ArrayList<>();
        List<String> list = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            DID did = DID.random();
            devices.add(did);
            list.add(entry(did, "{\"type\":4}", false));
        }
        HttpResponse<String> r = batch(entries(list));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(r.body());
        assertThat(problem.path("type").asString()).isEqualTo("urn:aero:problem:batch-too-large");
        assertThat(problem.path("status").asInt()).isEqualTo(400);
        assertThat(problem.path("detail").asString()).contains("1000").contains("1001");
        for (DID did : List.of(devices.getFirst(), devices.get(500), devices.getLast())) {
            assertThat(redis.hasKey("jeq:q/" + did.hex())).isFalse();
            assertThat(redis.hasKey("jeq:e/" + did.hex())).as("no epoch taken").isFalse();
        }
        assertThat(pushesFor(devices.getFirst(), Duration.ofMillis(300), Duration.ZERO)).isEmpty();

        // A thousand entries are taken, also when their body is over the 64 KiB of other requests.
        List<String> thousand = new ArrayList<>();
        String logs = "{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":{\"defect_id\":\"defect-with-a-longish-name\","
                + "\"expiry_time\":1900000000000,\"destination\":{\"hostname\":\"logs.example.com\",\"port\":443}}}";
        for (int i = 0; i < 1000; i++) {
            thousand.add(entry(devices.get(i), logs, false));
        }
        assertThat(entries(thousand).length()).isGreaterThan(64 * 1024);
        JsonNode results = results(batch(entries(thousand)));
        assertThat(results).hasSize(1000);
        results.forEach(res -> assertThat(res.path("epoch").asLong()).isEqualTo(1));
        assertThat(queues.head(devices.get(999)).command()).isEqualTo("10:defect-with-a-longish-name:1900000000000:logs.example.com:443");
    }

    @Test
    void anEmptyMalformedOrTooLargeBodyIsAProblemAndChangesNothing() throws Exception {
        HttpResponse<String> empty = batch("{\"entries\":[]}");
        assertThat(empty.statusCode()).isEqualTo(400);
        JsonNode problem = JSON.readTree(empty.body());
        assertThat(problem.path("type").asString()).isEqualTo("urn:aero:problem:validation");
        assertThat(problem.path("errors").get(0).path("field").asString()).isEqualTo("entries");
        for (String body : new String[] {"{}", "{\"entries\":5}", "[]", "not json", "{\"entries\":[{\"device\":"}) {
            HttpResponse<String> r = batch(body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("type").asString()).as(body).isEqualTo("urn:aero:problem:malformed-request");
        }
        DID did = DID.random();
        String padding = " ".repeat(1024 * 1024);
        HttpResponse<String> large = batch("{\"entries\":[" + entry(did, "{\"type\":4}", false) + padding + "]}");
        assertThat(large.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(large.body()).path("type").asString()).isEqualTo("urn:aero:problem:payload-too-large");
        assertThat(queues.head(did).empty()).isTrue();
        // The single enqueue keeps its 64 KiB.
        HttpResponse<String> single = call("POST", "/v1/devices/" + did.hex() + "/commands",
                "{\"type\":4}" + " ".repeat(65 * 1024));
        assertThat(single.statusCode()).isEqualTo(413);
    }

    @Test
    void serviceCredentialsAreRequired() throws Exception {
        DID did = DID.random();
        String body = entries(List.of(entry(did, "{\"type\":\"REFRESH_CRL\"}", false)));
        HttpResponse<String> none = send("POST", "/v1/queues/batch", body, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("invalid-service-credentials");
        HttpResponse<String> wrong = send("POST", "/v1/queues/batch", body, new ServiceCredential("sp-service", "wrong").toHeaderValue());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(queues.head(did).empty()).isTrue();
        assertThat(results(batch(body)).get(0).path("epoch").asLong()).isEqualTo(1);
    }

    @Test
    void everyEntryIsCountedAsAnEnqueue() throws Exception {
        double before = enqueues();
        results(batch(entries(List.of(entry(DID.random(), "{\"type\":4}", false), entry(DID.random(), "{\"type\":4}", true),
                entry("bad", "{\"type\":4}", false), entry(DID.random(), "{\"type\":0}", false)))));
        assertThat(enqueues() - before).isEqualTo(3);
    }

    private double enqueues() throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^aero_commands_enqueues_total(\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(metrics);
        assertThat(m.find()).as(metrics).isTrue();
        return Double.parseDouble(m.group(2));
    }

    /**
     * The commands pushed to {@code did}: waits up to {@code first} for one, then {@code more} for
     * any others. Pushes to other devices stay queued.
     */
    private static List<Command> pushesFor(DID did, Duration first, Duration more) throws InterruptedException {
        List<Command> mine = new ArrayList<>();
        List<JsonNode> others = new ArrayList<>();
        long deadline = System.nanoTime() + first.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                JsonNode p = PUSHES.poll(20, TimeUnit.MILLISECONDS);
                if (p == null) {
                    continue;
                }
                if (p.path("topic").asString().equals("cmd/" + did.hex())) {
                    mine.add(CommandCodec.fromPushPayload(p.path("payload").asString()));
                    if (mine.size() == 1) {
                        deadline = System.nanoTime() + more.toNanos();
                    }
                } else {
                    others.add(p);
                }
            }
            return mine;
        } finally {
            PUSHES.addAll(others);
        }
    }
}
