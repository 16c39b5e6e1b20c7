package dev.aero.verkehr;

import dev.aero.common.testing.TestPki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.aero.client.ssmp.SsmpClient;
import dev.aero.client.ssmp.SsmpException;
import dev.aero.client.ssmp.SsmpListener;
import dev.aero.common.id.DID;
import dev.aero.verkehr.delivery.Hub;

/** The client SDK's SsmpClient against the real server: certificate login, presence, reconnect with resubscribe. */
class SsmpClientAgainstServerTest extends NodeTest {

    private ConfigurableApplicationContext node;
    private int port;

    @BeforeAll
    void start() throws Exception {
        node = nodes.start("c1", Map.of());
        port = VerkehrNodes.ssmpPort(node);
    }

    /** Records every callback as a line. */
    static final class Events implements SsmpListener {
        final BlockingQueue<String> seen = new LinkedBlockingQueue<>();

        @Override
        public void onUnicast(String from, byte[] payload) {
            seen.add("ucast " + from + " " + new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public void onMulticast(String from, String topic, byte[] payload) {
            seen.add("mcast " + from + " " + topic + " " + new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public void onPeerSubscribed(String id, String topic) {
            seen.add("sub " + id + " " + topic);
        }

        @Override
        public void onPeerUnsubscribed(String id, String topic) {
            seen.add("unsub " + id + " " + topic);
        }

        @Override
        public void onConnected() {
            seen.add("connected");
        }

        String next() throws InterruptedException {
            String e = seen.poll(5, TimeUnit.SECONDS);
            assertThat(e).as("an event within 5 s").isNotNull();
            return e;
        }

        String nextIgnoringConnected() throws InterruptedException {
            String e;
            do {
                e = next();
            } while (e.equals("connected"));
            return e;
        }
    }

    private SsmpClient device(DID did, String user, Events events) throws Exception {
        TestPki.Credentials c = nodes.pki.device(did.hex(), user);
        SsmpClient client = SsmpClient.builder("localhost", port).sslContext(nodes.pki.clientContext(c))
                .login(did.hex(), "cert", null).listener(events).backoff(Duration.ofMillis(100), Duration.ofSeconds(2)).build();
        client.connect();
        return client;
    }

    private SsmpClient service(String id, Events events) throws Exception {
        SsmpClient client = SsmpClient.builder("localhost", port).sslContext(nodes.pki.clientContext(null))
                .login(id, "secret", VerkehrNodes.SECRET).listener(events).build();
        client.connect();
        return client;
    }

    @Test
    void deviceReceivesItsCommandsAndIsRefusedOthersTopics() throws Exception {
        DID did = DID.random();
        Events events = new Events();
        try (SsmpClient d = device(did, "kim@example.com", events); SsmpClient svc = service("command-server", new Events())) {
            d.subscribe("cmd/" + did.hex(), false);
            svc.mcast("cmd/" + did.hex(), "CgQIARAB".getBytes(StandardCharsets.UTF_8));
            assertThat(events.nextIgnoringConnected()).isEqualTo("mcast command-server cmd/" + did.hex() + " CgQIARAB");
            assertThatThrownBy(() -> d.subscribe("cmd/" + DID.random().hex(), false))
                    .isInstanceOfSatisfying(SsmpException.class, e -> assertThat(e.code()).isEqualTo(401));
            assertThat(d.ping()).isPositive();
        }
    }

    @Test
    void presenceCallbacksFollowPeers() throws Exception {
        Events watcher = new Events();
        try (SsmpClient w = service("watcher", watcher); SsmpClient peer = service("peer", new Events())) {
            peer.subscribe("room", false);
            w.subscribe("room", true);
            assertThat(watcher.nextIgnoringConnected()).isEqualTo("sub peer room");
            peer.unsubscribe("room");
            assertThat(watcher.next()).isEqualTo("unsub peer room");
        }
    }

    @Test
    void droppedConnectionReconnectsAndResubscribes() throws Exception {
        DID did = DID.random();
        Events events = new Events();
        try (SsmpClient d = device(did, "lee@example.com", events); SsmpClient svc = service("svc-reconnect", new Events())) {
            d.subscribe("cmd/" + did.hex(), false);
            assertThat(events.next()).isEqualTo("connected");
            node.getBean(Hub.class).session(did.hex()).closeFor("test");
            assertThat(events.next()).isEqualTo("connected");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                var s = node.getBean(Hub.class).session(did.hex());
                if (s != null && s.topics().contains("cmd/" + did.hex())) {
                    break;
                }
                Thread.sleep(20);
            }
            svc.mcast("cmd/" + did.hex(), "after-reconnect".getBytes(StandardCharsets.UTF_8));
            assertThat(events.next()).isEqualTo("mcast svc-reconnect cmd/" + did.hex() + " after-reconnect");
        }
    }
}
