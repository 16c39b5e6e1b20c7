package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;

/**
 * The contract of enqueue and replace ({@code POST}/{@code PUT /v1/devices/{did}/commands}), the
 * same with the fast path ({@link FastEnqueueFilter}, the default) and without it (every request
 * through Spring MVC, {@code aero.commands.fast-path=false}): answers, headers, problems, the
 * {@code http.server.requests} metric, and the push retry index. Run by
 * {@link FastPathEnqueueContractTest} and {@link SpringMvcEnqueueContractTest}.
 */
abstract class EnqueueContractTest {

    static final String SECRET = "contract-deployment-secret";
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final JsonMapper JSON = JsonMapper.builder().build();

    static void common(DynamicPropertyRegistry registry) {
        registry.add("aero.commands.deployment-secret", () -> SECRET);
        // No verkehr: every push fails, quickly.
        registry.add("aero.commands.verkehr-url", () -> "http://127.0.0.1:9");
        registry.add("aero.commands.events-stream", () -> "test:contract-events");
        registry.add("aero.commands.device-tls.enabled", () -> false);
    }

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Autowired
    CommandQueues queues;

    @Autowired
    StringRedisTemplate redis;

    HttpResponse<String> call(String method, String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5));
        Map<String, String> all = new java.util.LinkedHashMap<>(Map.of(ServiceCredential.HEADER,
                new ServiceCredential("sp-service", SECRET).toHeaderValue(), "Content-Type", "application/json"));
        all.putAll(headers);
        all.forEach((k, v) -> {
            if (v != null) {
                b.header(k, v);
            }
        });
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> enqueue(String method, DID did, String body, Map<String, String> headers) throws Exception {
        return call(method, "/v1/devices/" + did.hex() + "/commands", body, headers);
    }

    @Test
    void anEnqueueIsAnsweredWithTheDeviceTheEpochAndTheCommandAndTheUsualHeaders() throws Exception {
        DID did = DID.random();
        HttpResponse<String> r = enqueue("POST", did, "{\"type\":\"REFRESH_CRL\"}", Map.of("X-Request-Id", "contract-1"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.headers().firstValue("X-Request-Id")).hasValue("contract-1");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode answer = JSON.readTree(r.body());
        assertThat(names(answer)).containsExactly("did", "epoch", "command");
        assertThat(answer.path("did").asString()).isEqualTo(did.hex());
        assertThat(answer.path("epoch").asLong()).isEqualTo(queues.head(did).epoch());
        assertThat(answer.path("command").toString()).isEqualTo("{\"type\":\"REFRESH_CRL\"}");
        assertThat(r.body()).isEqualTo("{\"did\":\"" + did.hex() + "\",\"epoch\":" + answer.path("epoch").asLong()
                + ",\"command\":{\"type\":\"REFRESH_CRL\"}}");
    }

    @Test
    void aReplaceWithArgumentsLeavesOnlyItsCommand() throws Exception {
        DID did = DID.random();
        enqueue("POST", did, "{\"type\":\"CHECK_UPDATE\"}", Map.of());
        String body = "{\"type\":\"upload_logs\",\"upload_logs\":{\"defect_id\":\"d-1\",\"expiry_time\":1900000000000,"
                + "\"destination\":{\"hostname\":\"logs.example.com\",\"port\":443}},\"unknown\":1}";
        HttpResponse<String> r = enqueue("PUT", did, body, Map.of("Content-Type", "application/json;charset=UTF-8", "Accept", "*/*"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("command").toString()).isEqualTo("{\"type\":\"UPLOAD_LOGS\",\"upload_logs\":"
                + "{\"defect_id\":\"d-1\",\"expiry_time\":1900000000000,\"destination\":{\"hostname\":\"logs.example.com\",\"port\":443}}}");
        assertThat(queues.list(did)).extracting(CommandQueues.Queued::command).containsExactly("10:d-1:1900000000000:logs.example.com:443");
    }

    @Test
    void everyRefusalIsTheSameProblem() throws Exception {
        DID did = DID.random();
        problem(enqueue("POST", did, "{\"type\":4}", Map.of(ServiceCredential.HEADER, "Aero-Service-Shared-Secret sp-service wrong")),
                401, "invalid-service-credentials");
        problem(enqueue("POST", did, "{\"type\":\"FORMAT_DISK\"}", Map.of()), 400, "command-type-unknown");
        problem(enqueue("POST", did, "{\"type\":\"UPLOAD_LOGS\"}", Map.of()), 400, "command-invalid");
        problem(enqueue("PUT", did, "{\"type\":", Map.of()), 400, "malformed-request");
        problem(enqueue("POST", did, "", Map.of()), 400, "malformed-request");
        problem(enqueue("POST", did, "{\"type\":\"REFRESH_CRL\",\"pad\":\"" + "x".repeat(70_000) + "\"}", Map.of()), 413,
                "payload-too-large");
        problem(call("POST", "/v1/devices/" + did.hex().toUpperCase(java.util.Locale.ROOT) + "/commands", "{\"type\":4}", Map.of()), 400,
                "invalid-identifier");
        assertThat(enqueue("POST", did, "{\"type\":4}", Map.of("Content-Type", "text/plain")).statusCode()).isEqualTo(415);
        assertThat(queues.head(did).empty()).as("nothing was queued").isTrue();
        // Spring MVC finds that it cannot write the answer only after the handler ran: the command
        // is queued and the caller gets 406 (both ways the same).
        assertThat(enqueue("POST", did, "{\"type\":4}", Map.of("Accept", "text/html")).statusCode()).isEqualTo(406);
    }

    @Test
    void theRequestsAreCountedUnderTheirPathPattern() throws Exception {
        double before = count();
        assertThat(enqueue("POST", DID.random(), "{\"type\":4}", Map.of()).statusCode()).isEqualTo(200);
        assertThat(enqueue("PUT", DID.random(), "{\"type\":4}", Map.of()).statusCode()).isEqualTo(200);
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (count() < before + 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(count()).isEqualTo(before + 2);
    }

    private double count() {
        return meters.find("http.server.requests").tag("uri", "/v1/devices/{did}/commands").tag("status", "200").timers().stream()
                .mapToDouble(t -> t.count()).sum();
    }

    @Test
    void aDeviceOnThePushRetryIndexStaysThereWhileItsPushesFailAndAnEnqueueSeesIt() throws Exception {
        DID did = DID.random();
        assertThat(queues.enqueue(did, "4", false).pushRetryPending()).isFalse();
        queues.pushFailed(did, Duration.ofMinutes(1), Duration.ofMinutes(5));
        assertThat(queues.enqueue(did, "5", false).pushRetryPending()).isTrue();
        assertThat(queues.enqueueAll(java.util.List.of(new CommandQueues.Entry(DID.random(), "4", false),
                new CommandQueues.Entry(did, "6", true)))).extracting(CommandQueues.Enqueued::pushRetryPending).containsExactly(false, true);
        // verkehr is unreachable here: the enqueue's push fails, and the device stays on the index.
        assertThat(enqueue("POST", did, "{\"type\":4}", Map.of()).statusCode()).isEqualTo(200);
        Thread.sleep(300);
        assertThat(redis.opsForZSet().score(CommandQueues.UNPUSHED, did.hex())).isNotNull();
        queues.pushSucceeded(did);
        assertThat(queues.enqueue(did, "7", false).pushRetryPending()).isFalse();
    }

    static void problem(HttpResponse<String> r, int status, String slug) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.path("type").asString()).isEqualTo("urn:aero:problem:" + slug);
        assertThat(p.path("status").asInt()).isEqualTo(status);
        assertThat(p.path("title").asString()).isNotEmpty();
    }

    static java.util.List<String> names(JsonNode node) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Iterator<String> i = node.propertyNames().iterator(); i.hasNext(); ) {
            out.add(i.next());
        }
        return out;
    }
}
