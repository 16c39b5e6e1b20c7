package dev.aero.commands.front;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The front on its own, with a lane of the test's and a small HTTP server behind it in place of
 * the servlet container: what it does when the lane gives a request back, when nothing listens
 * behind it, when it stops with an answer under way, at its connection bound and when a
 * connection idles.
 */
class ServiceFrontLaneTest {

    private ServiceFront front;
    private HttpServer backend;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** Takes {@code POST /lane} requests; answers with what {@code answers} says for the body. */
    private static FastLane lane(java.util.function.Function<String, CompletionStage<FastLane.Answer>> answers) {
        return new FastLane() {
            @Override
            public Ticket admit(HttpRequest request) {
                if (!request.uri().equals("/lane")) {
                    return null;
                }
                int length = Integer.parseInt(request.headers().get("Content-Length", "0"));
                return new Ticket() {
                    @Override
                    public int bodyLength() {
                        return length;
                    }

                    @Override
                    public String pattern() {
                        return "/lane";
                    }
                };
            }

            @Override
            public CompletionStage<Answer> answer(Ticket ticket, byte[] body, Executor loop) {
                return answers.apply(new String(body, StandardCharsets.UTF_8));
            }
        };
    }

    private int start(FastLane lane, int maxConnections, Duration idle, InetSocketAddress behind) throws Exception {
        front = new ServiceFront(lane, 1, idle, maxConnections, meters, null, null);
        return front.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), behind);
    }

    /** An HTTP server that answers every request with its method, path and body. */
    private InetSocketAddress echo() throws IOException {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        backend.createContext("/", exchange -> {
            byte[] body = (exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
        return backend.getAddress();
    }

    @AfterEach
    void stop() {
        if (front != null) {
            front.stop();
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((request.replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n")).getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theLaneAnswersItsRequestsAndEverythingElseGoesBehind() throws Exception {
        int port = start(lane(body -> CompletableFuture.completedFuture(new FastLane.Answer(201, "text/plain",
                ("lane:" + body).getBytes(StandardCharsets.UTF_8)))), 100, Duration.ofSeconds(30), echo());
        assertThat(exchange(port, post("/lane", "one"))).startsWith("HTTP/1.1 201").contains("X-Content-Type-Options: nosniff")
                .contains("Cache-Control: no-store").contains("X-Request-Id: ").endsWith("lane:one");
        assertThat(exchange(port, post("/other", "two"))).startsWith("HTTP/1.1 200").endsWith("POST /other two");
        assertThat(meters.find("http.server.requests").tag("uri", "/lane").tag("status", "201").timer().count()).isEqualTo(1);
    }

    @Test
    void aRequestTheLaneGivesBackOrFailsOnGoesBehindWithItsBody() throws Exception {
        int port = start(lane(body -> body.equals("fail") ? CompletableFuture.failedFuture(new IllegalStateException("redis down"))
                : CompletableFuture.completedFuture(null)), 100, Duration.ofSeconds(30), echo());
        assertThat(exchange(port, post("/lane", "give back"))).startsWith("HTTP/1.1 200").endsWith("POST /lane give back");
        assertThat(exchange(port, post("/lane", "fail"))).startsWith("HTTP/1.1 200").endsWith("POST /lane fail");
    }

    @Test
    void withNothingBehindItARelayedRequestGetsABadGatewayProblem() throws Exception {
        InetSocketAddress nothing;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nothing = (InetSocketAddress) s.getLocalSocketAddress();
        }
        int port = start(lane(body -> CompletableFuture.completedFuture(null)), 100, Duration.ofSeconds(30), nothing);
        String answer = exchange(port, "GET /v1/stats HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 502").contains("Content-Type: application/problem+json")
                .contains("\"type\":\"urn:aero:problem:bad-gateway\"");
    }

    @Test
    void stoppingLetsAnAnswerUnderWayBeWritten() throws Exception {
        CompletableFuture<FastLane.Answer> later = new CompletableFuture<>();
        CountDownLatch asked = new CountDownLatch(1);
        int port = start(lane(body -> {
            asked.countDown();
            return later;
        }), 100, Duration.ofSeconds(30), echo());
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(port, post("/lane", "slow"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(front::stop);
        later.complete(new FastLane.Answer(200, "text/plain", "done".getBytes(StandardCharsets.UTF_8)));
        assertThat(answer.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200").endsWith("done");
        stopped.get(15, TimeUnit.SECONDS);
        assertThat(front.isRunning()).isFalse();
        front = null;
    }

    @Test
    void aBodyDrippedInForLongerThanTheIdleTimeEndsTheConnection() throws Exception {
        int port = start(lane(body -> CompletableFuture.completedFuture(null)), 10, Duration.ofMillis(400), echo());
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            var out = s.getOutputStream();
            out.write("POST /lane HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            boolean closed = false;
            // One byte every 100 ms keeps the connection from idling, never the body from taking too long.
            for (int i = 0; i < 60 && !closed; i++) {
                try {
                    out.write('x');
                    out.flush();
                    Thread.sleep(100);
                } catch (IOException e) {
                    closed = true;
                }
                if (!closed && s.getInputStream().available() == 0) {
                    s.setSoTimeout(1);
                    try {
                        closed = s.getInputStream().read() == -1;
                    } catch (java.net.SocketTimeoutException stillOpen) {
                        // nothing to read yet: still open
                    } finally {
                        s.setSoTimeout(10_000);
                    }
                }
            }
            assertThat(closed).as("the front closed the connection").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
        }
    }

    @Test
    void connectionsBeyondTheBoundAreClosedAndIdleOnesEnd() throws Exception {
        int port = start(lane(body -> CompletableFuture.completedFuture(null)), 1, Duration.ofMillis(500), echo());
        try (Socket first = new Socket("127.0.0.1", port); Socket second = new Socket("127.0.0.1", port)) {
            second.setSoTimeout(10_000);
            assertThat(second.getInputStream().read()).as("the second connection is closed at once").isEqualTo(-1);
            first.setSoTimeout(10_000);
            long start = System.nanoTime();
            InputStream in = first.getInputStream();
            assertThat(in.read()).as("the first, idle, is closed after its idle time").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }
}
