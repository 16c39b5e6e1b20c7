package dev.aero.verkehr;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.aero.common.auth.ServiceCredential;
import dev.aero.verkehr.delivery.Hub;

/** Bounded outbound queues, the HTTP API's history and its refusals. */
class DeliveryLimitsTest extends NodeTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ConfigurableApplicationContext node;
    private int port;
    private int http;
    private SSLContext tls;

    @BeforeAll
    void start() throws Exception {
        node = nodes.start("l1", Map.of("aero.verkehr.max-outbound-bytes", "65536", "aero.verkehr.max-connections", "40",
                "aero.verkehr.io-threads", "2", "aero.verkehr.max-fanout-backlog", "4"));
        port = VerkehrNodes.ssmpPort(node);
        http = VerkehrNodes.httpPort(node);
        tls = nodes.pki.clientContext(null);
    }

    private RawSsmp service(String id) throws Exception {
        return VerkehrNodes.service(tls, port, id);
    }

    @Test
    void slowConsumerIsCutOffWhileOthersKeepReceiving() throws Exception {
        String payload = "x".repeat(1000);
        // 12 MB: more than loopback socket buffers can absorb for the consumer that never reads.
        int messages = 12000;
        try (RawSsmp slow = service("slow"); RawSsmp fast = service("fast"); RawSsmp pub = service("pub")) {
            slow.call("SUBSCRIBE firehose");
            fast.call("SUBSCRIBE firehose");
            // The slow consumer never reads; the fast one reads everything on its own thread.
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < messages; i++) {
                        assertThat(fast.line()).endsWith(" m" + i + " " + payload);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread acks = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < messages; i++) {
                        pub.line();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 0; i < messages; i++) {
                pub.send("MCAST firehose m" + i + " " + payload);
            }
            reader.join(Duration.ofSeconds(30));
            acks.join(Duration.ofSeconds(30));
            assertThat(reader.isAlive()).isFalse();
            assertThat(slow.closedWithin(Duration.ofSeconds(10))).isTrue();
            assertThat(node.getBean(dev.aero.verkehr.VerkehrMetrics.class).count("verkehr.drops", "cause", "slow-consumer"))
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void publisherIsPausedWhileAnotherLoopsFanOutBacklogDrainsAndNothingIsLost() throws Exception {
        int messages = 2000;
        java.util.List<RawSsmp> subscribers = new java.util.ArrayList<>();
        try (RawSsmp pub = service("throttled-pub")) {
            for (int i = 0; i < 4; i++) {
                RawSsmp s = service("throttled-sub" + i);
                s.call("SUBSCRIBE backlog");
                subscribers.add(s);
            }
            java.util.List<Thread> readers = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger complete = new java.util.concurrent.atomic.AtomicInteger();
            for (RawSsmp s : subscribers) {
                readers.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < messages; i++) {
                            assertThat(s.line()).endsWith(" MCAST backlog n" + i);
                        }
                        complete.incrementAndGet();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            Thread acks = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < messages; i++) {
                        assertThat(pub.line()).isEqualTo("200");
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < messages; i++) {
                burst.append("MCAST backlog n").append(i).append('\n');
            }
            pub.sendBytes(burst.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            for (Thread t : readers) {
                t.join(Duration.ofSeconds(30));
            }
            acks.join(Duration.ofSeconds(30));
            assertThat(complete.get()).as("every subscriber got every message in order").isEqualTo(4);
            assertThat(node.getBean(dev.aero.verkehr.VerkehrMetrics.class).throttledCount()).isPositive();
        } finally {
            subscribers.forEach(RawSsmp::close);
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefused() throws Exception {
        Hub hub = node.getBean(Hub.class);
        java.util.List<SSLSocket> held = new java.util.ArrayList<>();
        try {
            while (hub.connectionCount() < 40) {
                SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
                s.startHandshake();
                held.add(s);
                if (held.size() > 60) {
                    break;
                }
            }
            assertThat(hub.connectionCount()).isEqualTo(40);
            try (RawSsmp extra = new RawSsmp(tls, port)) {
                assertThat(extra.closedWithin(RawSsmp.WAIT)).isTrue();
            } catch (java.io.IOException e) {
                // Closed during the handshake: refused as well.
            }
        } finally {
            for (SSLSocket s : held) {
                s.close();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (hub.connectionCount() > 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        try (RawSsmp again = service("after-limit")) {
            assertThat(again.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void historyKeepsTheLastMessagesOfKeptTopicsWithSequenceNumbers() throws Exception {
        String topic = "acl/history-user";
        for (int i = 1; i <= 105; i++) {
            assertThat(post("/v1/publish", "{\"topic\":\"" + topic + "\",\"payload\":\"" + i + "\"}").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> all = get("/v1/history?topic=" + topic + "&after=0");
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(all.body()).contains("\"latest_seq\":105").contains("\"truncated\":true").contains("\"seq\":6,")
                .doesNotContain("\"seq\":5,");
        HttpResponse<String> recent = get("/v1/history?topic=" + topic + "&after=103");
        assertThat(recent.body()).contains("\"truncated\":false").contains("\"payload\":\"104\"").contains("\"payload\":\"105\"")
                .doesNotContain("\"payload\":\"103\"");
        // An SSMP MCAST is kept as well, with its sender.
        try (RawSsmp c = service("history-writer")) {
            assertThat(c.call("MCAST " + topic + " 106")).isEqualTo("200");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        HttpResponse<String> latest;
        do {
            latest = get("/v1/history?topic=" + topic + "&after=105");
        } while (!latest.body().contains("\"seq\":106") && System.nanoTime() < deadline);
        assertThat(latest.body()).contains("\"from\":\"history-writer\"").contains("\"payload\":\"106\"");
        assertThat(get("/v1/history?topic=not-kept&after=0").statusCode()).isEqualTo(404);
    }

    @Test
    void publishedMessageReachesSubscribersWithTheServiceAsSender() throws Exception {
        try (RawSsmp c = service("listener")) {
            c.call("SUBSCRIBE news");
            assertThat(post("/v1/publish", "{\"topic\":\"news\",\"payload_base64\":\"AAEK\"}").statusCode()).isEqualTo(200);
            byte[] frame = c.frame();
            byte[] head = "000 test MCAST news ".getBytes();
            assertThat(java.util.Arrays.copyOfRange(frame, head.length, frame.length)).containsExactly(0, 2, 0, 1, '\n');
        }
    }

    @Test
    void aBatchIsPublishedInOrderWithItsHistorySequenceNumbers() throws Exception {
        try (RawSsmp c = service("batch-listener")) {
            c.call("SUBSCRIBE batch-a");
            c.call("SUBSCRIBE batch-b");
            HttpResponse<String> r = post("/v1/publish/batch", "{\"messages\":[{\"topic\":\"batch-a\",\"payload\":\"1\"},"
                    + "{\"topic\":\"acl/batch-user\",\"payload\":\"7\"},{\"topic\":\"batch-b\",\"payload\":\"2\"},"
                    + "{\"topic\":\"batch-a\",\"payload\":\"3\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("{\"topic\":\"acl/batch-user\",\"seq\":1}").contains("{\"topic\":\"batch-a\",\"seq\":null}");
            assertThat(c.line()).isEqualTo("000 test MCAST batch-a 1");
            assertThat(c.line()).isEqualTo("000 test MCAST batch-b 2");
            assertThat(c.line()).isEqualTo("000 test MCAST batch-a 3");
        }
    }

    @Test
    void aBatchWithOneBadMessageSendsNothing() throws Exception {
        try (RawSsmp c = service("batch-guard")) {
            c.call("SUBSCRIBE batch-c");
            HttpResponse<String> r = post("/v1/publish/batch",
                    "{\"messages\":[{\"topic\":\"batch-c\",\"payload\":\"1\"},{\"topic\":\"bad topic\",\"payload\":\"2\"}]}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("topic-invalid");
            assertThat(post("/v1/publish/batch", "{\"messages\":[]}").body()).contains("batch-invalid");
            assertThat(post("/v1/publish/batch", "{}").body()).contains("batch-invalid");
            StringBuilder tooMany = new StringBuilder("{\"messages\":[");
            for (int i = 0; i < 1001; i++) {
                tooMany.append(i == 0 ? "" : ",").append("{\"topic\":\"batch-c\",\"payload\":\"x\"}");
            }
            assertThat(post("/v1/publish/batch", tooMany.append("]}").toString()).body()).contains("batch-invalid");
            assertThat(c.silentFor(Duration.ofMillis(300))).as("nothing of a refused batch was sent").isTrue();
        }
    }

    @Test
    void httpApiRefusesBadCredentialsAndBadInputWithProblems() throws Exception {
        HttpResponse<String> noAuth = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/v1/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noAuth.statusCode()).isEqualTo(401);
        assertThat(noAuth.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("problem+json"));
        HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/v1/status"))
                .header("Authorization", new ServiceCredential("test", "wrong").toHeaderValue()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(post("/v1/publish", "{\"topic\":\"bad topic\",\"payload\":\"x\"}").body()).contains("topic-invalid");
        assertThat(post("/v1/publish", "{\"topic\":\"t\"}").body()).contains("payload-invalid");
        assertThat(post("/v1/publish", "{\"topic\":\"t\",\"payload\":\"" + "x".repeat(1025) + "\"}").statusCode()).isEqualTo(400);
        assertThat(post("/v1/publish", "{\"topic\":\"t\",\"payload_base64\":\"***\"}").statusCode()).isEqualTo(400);
        assertThat(post("/v1/publish", "not json").statusCode()).isEqualTo(400);
        assertThat(post("/v1/unicast", "{\"id\":\"nobody\",\"payload\":\"x\"}").statusCode()).isEqualTo(404);
        assertThat(get("/v1/connection?id=nobody").statusCode()).isEqualTo(404);
        assertThat(get("/v1/connections?limit=0").statusCode()).isEqualTo(400);
        assertThat(get("/v1/history?topic=acl/x&after=-1").statusCode()).isEqualTo(400);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return VerkehrNodes.get(node, path);
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return VerkehrNodes.post(node, path, json);
    }
}
