package dev.aero.commands.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.commands.front.ServiceFront;
import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.id.DID;
import dev.aero.common.testing.RealServices;

/**
 * The service port's event-loop front on the wire, as clients that are not {@link HttpClient}
 * may use it: pipelined requests, a body in chunks, {@code Connection: close}, a query string,
 * heads it cannot read. What answers a relayed request is the servlet container, which the
 * front reaches on a loopback port of its own; the rest of command-server's API tests run
 * through the front too ({@code local.server.port} is the front's port).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServices(redis = true)
class ServiceFrontTest {

    static final String SECRET = "front-deployment-secret";
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final String AUTH = ServiceCredential.HEADER + ": " + new ServiceCredential("sp-service", SECRET).toHeaderValue();

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        EnqueueContractTest.common(registry);
        registry.add("aero.commands.deployment-secret", () -> SECRET);
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    ServiceFront front;

    @Autowired
    CommandQueues queues;

    @Test
    void theFrontHoldsTheServicePortAndTheContainerIsOnLoopbackBehindIt() {
        assertThat(front.isRunning()).isTrue();
        assertThat(front.port()).isEqualTo(port);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderWhetherTheFrontOrTheContainerAnswersThem() throws Exception {
        DID did = DID.random();
        String path = "/v1/devices/" + did.hex() + "/commands";
        String body = "{\"type\":\"REFRESH_CRL\"}";
        try (Wire wire = new Wire(port)) {
            // An enqueue (the front), the queue (the container), a replace (the front), the queue
            // again, and a refused command (relayed: the container's problem), all in one write.
            wire.send(request("POST", path, body, "X-Request-Id: p-1") + request("GET", path, null, "X-Request-Id: p-2")
                    + request("PUT", path, "{\"type\":\"CHECK_UPDATE\"}", "X-Request-Id: p-3") + request("GET", path, null, "X-Request-Id: p-4")
                    + request("POST", path, "{\"type\":\"FORMAT_DISK\"}", "X-Request-Id: p-5"));
            Answer first = wire.answer();
            Answer list = wire.answer();
            Answer replaced = wire.answer();
            Answer after = wire.answer();
            Answer refused = wire.answer();
            assertThat(List.of(first, list, replaced, after, refused)).extracting(a -> a.headers.get("x-request-id"))
                    .containsExactly("p-1", "p-2", "p-3", "p-4", "p-5");
            assertThat(first.status).isEqualTo(200);
            long epoch = JSON.readTree(first.body).path("epoch").asLong();
            assertThat(JSON.readTree(list.body).path("commands").get(0).path("epoch").asLong()).isEqualTo(epoch);
            assertThat(replaced.status).isEqualTo(200);
            JsonNode queue = JSON.readTree(after.body);
            assertThat(queue.path("size").asInt()).isEqualTo(1);
            assertThat(queue.path("commands").get(0).path("command").path("type").asString()).isEqualTo("CHECK_UPDATE");
            assertThat(refused.status).isEqualTo(400);
            assertThat(refused.headers.get("content-type")).isEqualTo("application/problem+json");
            assertThat(JSON.readTree(refused.body).path("type").asString()).isEqualTo("urn:aero:problem:command-type-unknown");
            // The container ends a connection after a 400 (Tomcat's rule); so does the front then.
            assertThat(refused.headers.get("connection")).isEqualToIgnoringCase("close");
            assertThat(wire.atEnd()).isTrue();
            for (Answer a : List.of(first, list, replaced, after, refused)) {
                assertThat(a.headers).containsEntry("x-content-type-options", "nosniff").containsEntry("cache-control", "no-store")
                        .containsKey("date");
            }
        }
    }

    @Test
    void aChunkedBodyAQueryStringAndAnExpectationAreRelayedAndAnsweredByTheContainer() throws Exception {
        DID did = DID.random();
        String path = "/v1/devices/" + did.hex() + "/commands";
        try (Wire wire = new Wire(port)) {
            wire.send("POST " + path + " HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + chunk("{\"type\":") + chunk("\"LOG_THREADS") + chunk("\"}") + "0\r\n\r\n");
            Answer chunked = wire.answer();
            assertThat(chunked.status).as(chunked.body).isEqualTo(200);
            assertThat(JSON.readTree(chunked.body).path("command").path("type").asString()).isEqualTo("LOG_THREADS");
            wire.send(request("POST", path + "?trace=1", "{\"type\":\"CHECK_UPDATE\"}", null));
            Answer query = wire.answer();
            assertThat(query.status).as(query.body).isEqualTo(200);
            wire.send(request("POST", path, "{\"type\":\"REFRESH_CRL\"}", "Expect: 100-continue"));
            Answer expecting = wire.answer();
            if (expecting.status == 100) {
                expecting = wire.answer();
            }
            assertThat(expecting.status).as(expecting.body).isEqualTo(200);
        }
        assertThat(queues.list(did)).hasSize(3);
    }

    @Test
    void connectionCloseIsHonouredAfterTheAnswer() throws Exception {
        DID did = DID.random();
        try (Wire wire = new Wire(port)) {
            wire.send(request("POST", "/v1/devices/" + did.hex() + "/commands", "{\"type\":4}", "Connection: close"));
            Answer a = wire.answer();
            assertThat(a.status).isEqualTo(200);
            assertThat(a.headers.get("connection")).isEqualToIgnoringCase("close");
            assertThat(wire.atEnd()).as("the front closed the connection").isTrue();
        }
        try (Wire wire = new Wire(port)) {
            wire.send(request("GET", "/v1/devices/" + did.hex() + "/commands", null, "Connection: close"));
            assertThat(wire.answer().status).isEqualTo(200);
            assertThat(wire.atEnd()).as("the front closed the relayed connection too").isTrue();
        }
    }

    @Test
    void aHeadTheFrontCannotReadGetsAProblemAndTheConnectionEnds() throws Exception {
        try (Wire wire = new Wire(port)) {
            wire.send("POST /v1/devices/x/commands HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(9000) + "\r\n\r\n");
            Answer a = wire.answer();
            assertThat(a.status).isEqualTo(431);
            assertThat(a.headers.get("content-type")).isEqualTo("application/problem+json");
            assertThat(JSON.readTree(a.body).path("status").asInt()).isEqualTo(431);
            assertThat(wire.atEnd()).isTrue();
        }
        try (Wire wire = new Wire(port)) {
            wire.send("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(wire.answer().status).isEqualTo(414);
            assertThat(wire.atEnd()).isTrue();
        }
        try (Wire wire = new Wire(port)) {
            wire.send("POST /v1/devices HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
            Answer a = wire.answer();
            assertThat(a.status).isEqualTo(400);
            assertThat(JSON.readTree(a.body).path("type").asString()).isEqualTo("urn:aero:problem:malformed-request");
            assertThat(wire.atEnd()).isTrue();
        }
    }

    @Test
    void aBatchOfAThousandIsRelayedWholeAndEveryOtherPortStillAnswers() throws Exception {
        StringBuilder body = new StringBuilder("{\"entries\":[");
        for (int i = 0; i < 1000; i++) {
            body.append(i == 0 ? "" : ",").append("{\"device\":\"").append(DID.random().hex()).append("\",\"command\":{\"type\":\"REFRESH_CRL\"}}");
        }
        body.append("]}");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/queues/batch"))
                .header(ServiceCredential.HEADER, new ServiceCredential("sp-service", SECRET).toHeaderValue())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("results").size()).isEqualTo(1000);
        // The front's timers and the container's share http.server.requests: the scrape holds both.
        try (Wire wire = new Wire(port)) {
            wire.send(request("POST", "/v1/devices/" + DID.random().hex() + "/commands", "{\"type\":4}", null));
            assertThat(wire.answer().status).isEqualTo(200);
        }
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("http_server_requests_seconds_count\\{[^}]*uri=\"/v1/devices/\\{did}/commands\"[^}]*} [1-9]")
                .containsPattern("http_server_requests_seconds_count\\{[^}]*uri=\"/v1/queues/batch\"[^}]*} [1-9]");
    }

    // ---- a client that writes and reads HTTP/1.1 by hand

    static String request(String method, String path, String body, String extraHeader) {
        StringBuilder r = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n");
        if (extraHeader != null) {
            r.append(extraHeader).append("\r\n");
        }
        if (body != null) {
            r.append("Content-Type: application/json\r\nContent-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n\r\n").append(body);
        } else {
            r.append("\r\n");
        }
        return r.toString();
    }

    static String chunk(String s) {
        return Integer.toHexString(s.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + s + "\r\n";
    }

    record Answer(int status, Map<String, String> headers, String body) { }

    static final class Wire implements AutoCloseable {
        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        Wire(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        Answer answer() throws IOException {
            String status = line();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
            }
            int code = Integer.parseInt(status.split(" ")[1]);
            byte[] body;
            if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int n = Integer.parseInt(line().strip(), 16); n > 0; n = Integer.parseInt(line().strip(), 16)) {
                    all.write(in.readNBytes(n));
                    line();
                }
                line();
                body = all.toByteArray();
            } else {
                body = new byte[0];
            }
            return new Answer(code, headers, new String(body, StandardCharsets.UTF_8));
        }

        /** Whether the peer closed the connection (the next read ends). */
        boolean atEnd() throws IOException {
            return in.read() == -1;
        }

        private String line() throws IOException {
            List<Byte> bytes = new ArrayList<>();
            int b;
            while ((b = in.read()) != '\n') {
                if (b == -1) {
                    throw new IOException("the connection ended in the middle of an answer");
                }
                if (b != '\r') {
                    bytes.add((byte) b);
                }
            }
            byte[] a = new byte[bytes.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = bytes.get(i);
            }
            return new String(a, StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
