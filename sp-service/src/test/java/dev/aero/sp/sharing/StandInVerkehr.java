package dev.aero.sp.sharing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpServer;

import dev.aero.common.testing.StubHttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * verkehr's {@code POST /v1/publish/batch} for SP's outbox tests: records every message it
 * takes, with the caller's credential, and answers {@link #status} (a refused batch records
 * nothing).
 */
final class StandInVerkehr {

    record Publish(String authorization, String topic, String payload) { }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    final List<Publish> published = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(200);
    private final HttpServer server = StubHttpServer.start("/v1/publish/batch", exchange -> {
        JsonNode body = JSON.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        int answer = status.get();
        if (answer == 200) {
            for (JsonNode m : body.path("messages")) {
                published.add(new Publish(exchange.getRequestHeaders().getFirst("Authorization"), m.path("topic").asString(),
                        m.path("payload").asString()));
            }
        }
        byte[] bytes = "{\"published\":[]}".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(answer, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    });

    /** The base URL SP's {@code aero.sp.acl-push.verkehr-url} takes. */
    String url() {
        return StubHttpServer.url(server);
    }

    /** The payloads published on {@code topic}, in order. */
    List<String> payloadsOn(String topic) {
        return published.stream().filter(p -> p.topic().equals(topic)).map(Publish::payload).toList();
    }

    /** Waits (polling, at most {@code within}) until {@code payloads} holds {@code payload}, and asserts that it does. */
    static void awaitPayload(Supplier<List<String>> payloads, String payload, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!payloads.get().contains(payload) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(payloads.get()).contains(payload);
    }

    void stop() {
        server.stop(0);
    }
}
