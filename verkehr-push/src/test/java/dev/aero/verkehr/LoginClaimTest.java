package dev.aero.verkehr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.lettuce.core.ClientOptions;

import dev.aero.common.testing.TestRedis;
import dev.aero.verkehr.delivery.Hub;

/**
 * The answer to LOGIN waits for the id's claim in Redis. Node c1 reaches Redis through a proxy
 * that can slow down or hold back its requests, so a claim can be kept in flight for as long as a
 * test needs; node c2 reaches Redis directly.
 */
class LoginClaimTest extends NodeTest {

    private HoldingProxy proxy;
    private ConfigurableApplicationContext node;
    private int port;
    private int otherPort;
    private int boundedPort;
    private ConfigurableApplicationContext bounded;
    private SSLContext tls;

    @BeforeAll
    void start(TestRedis redis) throws Exception {
        proxy = new HoldingProxy(redis.host(), redis.port());
        // A node timeout well above the longest hold, so that neither node takes c1 for lost.
        node = nodes.start("c1", Map.of("aero.verkehr.open-login", "true", "spring.data.redis.port", proxy.port(),
                "aero.verkehr.cluster.claim-timeout", "1s", "aero.verkehr.cluster.node-timeout", "10s"));
        ConfigurableApplicationContext other = nodes.start("c2", Map.of("aero.verkehr.open-login", "true",
                "aero.verkehr.cluster.node-timeout", "10s"));
        // c3 also reaches Redis through the proxy, with the smallest request queue and a claim
        // timeout far above the test's patience.
        bounded = nodes.start("c3", Map.of("aero.verkehr.open-login", "true",
                "spring.data.redis.port", proxy.port(), "aero.verkehr.cluster.redis-request-queue", "16",
                "aero.verkehr.cluster.claim-timeout", "30s", "aero.verkehr.cluster.node-timeout", "10s"));
        port = VerkehrNodes.ssmpPort(node);
        otherPort = VerkehrNodes.ssmpPort(other);
        boundedPort = VerkehrNodes.ssmpPort(bounded);
        tls = nodes.pki.clientContext(null);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(hub(node).cluster().isLive("c2") && hub(other).cluster().isLive("c1")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(hub(other).cluster().isLive("c1")).as("the nodes see each other").isTrue();
    }

    private static Hub hub(ConfigurableApplicationContext context) {
        return context.getBean(Hub.class);
    }

    @AfterEach
    void release() {
        proxy.hold(false);
        proxy.delay(0);
    }

    @AfterAll
    void stopProxy() throws IOException {
        proxy.close();
    }

    private RawSsmp login(String id) throws Exception {
        return login(port, id);
    }

    private RawSsmp login(int at, String id) throws Exception {
        return RawSsmp.openLogin(tls, at, id);
    }

    /**
     * A UCAST from the other node, sent as soon as the 200 to LOGIN arrives, finds the connection
     * even when the LOGIN's node is slow to reach Redis. While the 200 went out before the id's
     * claim was in Redis, nearly every one of these was 404.
     */
    @Test
    void ucastFromTheOtherNodeFindsAConnectionAsSoonAsItsLoginIsAnswered() throws Exception {
        String sender = fresh("early-sender");
        int missed = 0;
        try (RawSsmp s = login(otherPort, sender)) {
            proxy.delay(3);
            for (int i = 0; i < 100; i++) {
                String target = fresh("early");
                try (RawSsmp t = new RawSsmp(tls, port)) {
                    assertThat(t.call("LOGIN " + target + " open")).isEqualTo("200");
                    String answer = s.call("UCAST " + target + " m" + i);
                    if (!answer.equals("200")) {
                        missed++;
                        continue;
                    }
                    assertThat(t.line()).isEqualTo("000 " + sender + " UCAST " + target + " m" + i);
                }
            }
        }
        assertThat(missed).as("UCASTs from the other node answered other than 200 right after the target's LOGIN was").isZero();
    }

    /**
     * While Redis does not answer, a node holds at most redis-request-queue commands; beyond that
     * a command fails at once, so the node's memory stays bounded and a login that cannot be
     * recorded is closed at once rather than after claim-timeout. Once Redis answers, the node
     * works again.
     */
    @Test
    void whileRedisDoesNotAnswerANodeHoldsABoundedQueueAndRefusesBeyondItAtOnce() throws Exception {
        // Spring's connection, which the test does not fill, has the same bound.
        assertThat(bounded.getBean(LettuceConnectionFactory.class).getClientConfiguration().getClientOptions()
                .map(ClientOptions::getRequestQueueSize)).contains(16);
        List<RawSsmp> waiting = new CopyOnWriteArrayList<>();
        try {
            proxy.hold(true);
            long started = System.nanoTime();
            // Every LOGIN sends its claim and its login event, which the held Redis leaves unanswered.
            // A connection the node has already refused can reset the LOGIN's write: that is the
            // refusal too.
            boolean lastRefused = false;
            for (int i = 0; i < 40; i++) {
                RawSsmp c = new RawSsmp(tls, boundedPort);
                waiting.add(c);
                try {
                    c.send("LOGIN " + fresh("queued") + " open");
                    lastRefused = false;
                } catch (IOException e) {
                    lastRefused = true;
                }
            }
            if (!lastRefused) {
                // End of stream (not a 200, not a read timeout): refused while the claim timeout is 30 s.
                assertThat(waiting.get(waiting.size() - 1).frame()).isNull();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        } finally {
            proxy.hold(false);
            for (RawSsmp c : waiting) {
                c.close();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (RawSsmp c = new RawSsmp(tls, boundedPort)) {
                byte[] line = c.send("LOGIN " + fresh("after-queue") + " open").frame();
                String answer = line == null ? "closed" : new String(line, StandardCharsets.ISO_8859_1);
                if (answer.equals("200") || System.nanoTime() > deadline) {
                    assertThat(answer).as("a login once Redis answers again").isEqualTo("200");
                    assertThat(c.call("PING")).isEqualTo("000 . PONG");
                    break;
                }
            }
            Thread.sleep(100);
        }
    }

    @Test
    void theAnswerToLoginWaitsForTheClaimAndNothingOvertakesIt() throws Exception {
        String id = fresh("held");
        String from = fresh("snd");
        try (RawSsmp sender = login(from); RawSsmp c = new RawSsmp(tls, port)) {
            proxy.hold(true);
            c.send("LOGIN " + id + " open").send("PING");
            // The id is taken on this node as soon as the LOGIN is read, so a UCAST from here is
            // delivered while the claim is held; its event must still come after the 200.
            long deadline = System.nanoTime() + Duration.ofMillis(500).toNanos();
            while (hub(node).session(id) == null && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(sender.call("UCAST " + id + " early")).isEqualTo("200");
            assertThat(c.silentFor(Duration.ofMillis(100))).as("nothing before the claim is in Redis").isTrue();
            proxy.hold(false);
            assertThat(c.line()).isEqualTo("200");
            assertThat(c.line()).isEqualTo("000 " + from + " UCAST " + id + " early");
            assertThat(c.line()).isEqualTo("000 . PONG");
        }
    }

    @Test
    void aClaimRedisDoesNotAnswerInTimeClosesTheConnectionWithoutAnAnswer() throws Exception {
        try (RawSsmp c = new RawSsmp(tls, port)) {
            proxy.hold(true);
            long started = System.nanoTime();
            c.send("LOGIN " + fresh("slow") + " open");
            // End of stream, not a 401: the credentials were good, the server could not record them.
            assertThat(c.frame()).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        }
        proxy.hold(false);
        try (RawSsmp c = login(fresh("after"))) {
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void aClaimRedisRefusesClosesTheConnectionWithoutAnAnswer() throws Exception {
        StringRedisTemplate redis = node.getBean(StringRedisTemplate.class);
        String conns = nodes.prefix + ":conns";
        // A key of the wrong type makes the claim script fail.
        redis.delete(conns);
        redis.opsForValue().set(conns, "not a hash");
        try (RawSsmp c = new RawSsmp(tls, port)) {
            c.send("LOGIN " + fresh("refused") + " open");
            assertThat(c.frame()).isNull();
        } finally {
            redis.delete(conns);
        }
        try (RawSsmp c = login(fresh("after"))) {
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    /** A TCP proxy to Redis that can hold back what its clients send (not what Redis answers). */
    static final class HoldingProxy implements AutoCloseable {

        private final ServerSocket server;
        private final String host;
        private final int targetPort;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile boolean held;
        private volatile long delayMillis;

        HoldingProxy(String host, int targetPort) throws IOException {
            this.host = host;
            this.targetPort = targetPort;
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("redis-proxy-accept").start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        void hold(boolean hold) {
            held = hold;
        }

        /** Delays each read of the node's requests by this long before passing it on. */
        void delay(long millis) {
            delayMillis = millis;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket redis = new Socket();
                    redis.connect(new InetSocketAddress(host, targetPort), 5000);
                    client.setTcpNoDelay(true);
                    redis.setTcpNoDelay(true);
                    sockets.add(client);
                    sockets.add(redis);
                    Thread.ofPlatform().daemon().start(() -> pump(client, redis, true));
                    Thread.ofPlatform().daemon().start(() -> pump(redis, client, false));
                } catch (IOException e) {
                    // closed, or Redis refused: the node sees a failed connection
                }
            }
        }

        private void pump(Socket from, Socket to, boolean holdable) {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    while (holdable && held) {
                        Thread.sleep(2);
                    }
                    if (holdable && delayMillis > 0) {
                        Thread.sleep(delayMillis);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            sockets.forEach(HoldingProxy::closeQuietly);
        }
    }
}
