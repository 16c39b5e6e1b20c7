package dev.aero.xmpp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import tools.jackson.databind.json.JsonMapper;

/**
 * SP's store feed for the bridge's tests ({@code GET /api/v1/internal/stores/{sid}/devices}
 * and {@code GET /api/v1/internal/stores}), answered from what the test sets, checking the
 * service credential the way SP does. {@link #failing} makes it answer 503.
 */
final class StandInSp implements AutoCloseable {

    static final String SECRET = "bridge-test-secret";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final NavigableMap<String, List<String>> stores = new ConcurrentSkipListMap<>();
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean failing;

    StandInSp() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/internal/stores", this::handle);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The store lives with these devices. */
    void store(SID sid, DID... devices) {
        List<String> dids = new ArrayList<>();
        for (DID d : devices) {
            dids.add(d.hex());
        }
        stores.put(sid.hex(), List.copyOf(dids.stream().sorted().toList()));
    }

    /** The folder is destroyed. */
    void destroy(SID sid) {
        stores.remove(sid.hex());
    }

    void failing(boolean failing) {
        this.failing = failing;
    }

    int requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (failing) {
            send(exchange, 503, Map.of("status", 503));
            return;
        }
        if (authorization == null || !authorization.equals("Aero-Service-Shared-Secret xmpp-bridge " + SECRET)) {
            send(exchange, 401, Map.of("status", 401));
            return;
        }
        String path = exchange.getRequestURI().getPath();
        if (path.endsWith("/devices")) {
            String sid = path.substring("/api/v1/internal/stores/".length(), path.length() - "/devices".length());
            List<String> devices = stores.get(sid);
            send(exchange, 200, Map.of("sid", sid, "exists", devices != null, "devices", devices == null ? List.of() : devices));
            return;
        }
        String after = "";
        int limit = 100;
        String query = exchange.getRequestURI().getQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                if (kv[0].equals("after")) {
                    after = kv[1];
                } else if (kv[0].equals("limit")) {
                    limit = Integer.parseInt(kv[1]);
                }
            }
        }
        List<Map<String, Object>> page = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : stores.tailMap(after, false).entrySet()) {
            if (page.size() == limit) {
                break;
            }
            page.add(Map.of("sid", e.getKey(), "exists", true, "devices", e.getValue()));
        }
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("stores", page);
        body.put("next_after", page.size() == limit ? page.getLast().get("sid") : null);
        send(exchange, 200, body);
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
