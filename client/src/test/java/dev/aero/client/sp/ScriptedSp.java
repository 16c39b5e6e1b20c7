package dev.aero.client.sp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An in-process HTTP server standing in for SP: records each request and gives the scripted answer. */
final class ScriptedSp implements AutoCloseable {

    record Request(String method, String rawPath, String rawQuery, Headers headers, byte[] body) {

        JsonNode json() {
            return JsonMapper.shared().readTree(body);
        }

        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private record Answer(int status, String contentType, byte[] body) {
    }

    private final HttpServer server;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private volatile Answer answer = new Answer(204, null, new byte[0]);

    ScriptedSp() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void answer(int status, String contentType, String body) {
        answer(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    void answer(int status, String contentType, byte[] body) {
        answer = new Answer(status, contentType, body);
    }

    void answerJson(int status, String json) {
        answer(status, "application/json", json);
    }

    void answerNoContent() {
        answer = new Answer(204, null, new byte[0]);
    }

    Request lastRequest() throws InterruptedException {
        Request request = requests.poll(5, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("no request reached the scripted SP");
        }
        return request;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body));
            Answer current = answer;
            if (current.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", current.contentType());
            }
            exchange.sendResponseHeaders(current.status(), current.body().length == 0 ? -1 : current.body().length);
            exchange.getResponseBody().write(current.body());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
