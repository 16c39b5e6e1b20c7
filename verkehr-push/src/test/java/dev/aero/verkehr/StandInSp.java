package dev.aero.verkehr;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;

/**
 * Stands in for SP's {@code GET /api/v1/internal/devices/{did}/stores} (docs/protocols/sp-api.md)
 * in verkehr's own tests: the test says which user owns which device and which stores each user
 * has joined, and may make SP unreachable. Calls without verkehr's service credential get 401,
 * unknown devices 404, as from SP. The end-to-end tests run verkehr against the real SP.
 */
final class StandInSp implements AutoCloseable {

    private final HttpServer server;
    private final Map<DID, String> owners = new ConcurrentHashMap<>();
    private final Map<String, List<String>> joined = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicBoolean down = new AtomicBoolean();

    StandInSp() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/internal/devices/", this::answer);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void device(DID did, String user) {
        owners.put(did, user);
    }

    /** The user's JOINED stores from now on. */
    void joined(String user, String... sids) {
        joined.put(user, List.of(sids));
    }

    /** While down, every request fails as an unreachable SP's would (503). */
    void down(boolean isDown) {
        down.set(isDown);
    }

    int requests() {
        return requests.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            if (down.get()) {
                reply(exchange, 503, "{}");
                return;
            }
            String credential = exchange.getRequestHeaders().getFirst(ServiceCredential.HEADER);
            if (credential == null || !credential.equals(new ServiceCredential("verkehr-push", VerkehrNodes.SECRET).toHeaderValue())) {
                reply(exchange, 401, "{}");
                return;
            }
            String[] parts = exchange.getRequestURI().getPath().split("/");
            // ["", "api", "v1", "internal", "devices", did, "stores"]
            DID did = parts.length == 7 && parts[6].equals("stores") ? DID.of(parts[5]) : null;
            String user = did == null ? null : owners.get(did);
            if (user == null) {
                reply(exchange, 404, "{}");
                return;
            }
            List<String> stores = joined.getOrDefault(user, List.of());
            reply(exchange, 200, "{\"did\":\"" + did.hex() + "\",\"user\":\"" + user + "\",\"stores\":["
                    + String.join(",", stores.stream().map(s -> "\"" + s + "\"").toList()) + "]}");
        }
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
