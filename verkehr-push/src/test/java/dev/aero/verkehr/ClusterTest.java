package dev.aero.verkehr;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;


/** Two verkehr nodes on one Redis behave as one server. */
class ClusterTest extends NodeTest {

    private ConfigurableApplicationContext one;
    private int port1;
    private int port2;
    private SSLContext tls;

    @BeforeAll
    void start() throws Exception {
        one = nodes.start("n1", Map.of("aero.verkehr.open-login", "true"));
        ConfigurableApplicationContext two = nodes.start("n2", Map.of("aero.verkehr.open-login", "true"));
        port1 = VerkehrNodes.ssmpPort(one);
        port2 = VerkehrNodes.ssmpPort(two);
        tls = nodes.pki.clientContext(null);
        // Each node has heard the other.
        Thread.sleep(600);
    }

    private RawSsmp login(int port, String id) throws Exception {
        return RawSsmp.openLogin(tls, port, id);
    }

    @Test
    void openSchemeWorksWhenEnabledAndIsAdvertised() throws Exception {
        try (RawSsmp c = new RawSsmp(tls, port1)) {
            assertThat(c.call("LOGIN x secret wrong")).isEqualTo("401 cert secret open");
        }
    }

    @Test
    void ucastReachesAConnectionOnTheOtherNode() throws Exception {
        String a = fresh("a");
        String b = fresh("b");
        try (RawSsmp ca = login(port1, a); RawSsmp cb = login(port2, b)) {
            assertThat(ca.call("UCAST " + b + " over-the-bus")).isEqualTo("200");
            assertThat(cb.line()).isEqualTo("000 " + a + " UCAST " + b + " over-the-bus");
            assertThat(ca.call("UCAST " + fresh("absent") + " x")).isEqualTo("404");
        }
    }

    @Test
    void ucastKeepsOrderPerSenderAcrossNodes() throws Exception {
        String a = fresh("oa");
        String b = fresh("ob");
        try (RawSsmp ca = login(port1, a); RawSsmp cb = login(port2, b)) {
            for (int i = 0; i < 200; i++) {
                ca.send("UCAST " + b + " m" + i);
            }
            for (int i = 0; i < 200; i++) {
                assertThat(cb.line()).isEqualTo("000 " + a + " UCAST " + b + " m" + i);
            }
        }
    }

    @Test
    void mcastReachesSubscribersOnBothNodesButNotTheSender() throws Exception {
        String topic = fresh("t");
        try (RawSsmp s1 = login(port1, fresh("s")); RawSsmp r1 = login(port1, fresh("r")); RawSsmp r2 = login(port2, fresh("r"))) {
            s1.call("SUBSCRIBE " + topic);
            r1.call("SUBSCRIBE " + topic);
            r2.call("SUBSCRIBE " + topic);
            assertThat(s1.call("MCAST " + topic + " hello")).isEqualTo("200");
            assertThat(r1.line()).endsWith(" MCAST " + topic + " hello");
            assertThat(r2.line()).endsWith(" MCAST " + topic + " hello");
            assertThat(s1.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void loginOnOneNodeClosesTheOlderConnectionOnTheOther() throws Exception {
        String id = fresh("dup");
        try (RawSsmp older = login(port1, id); RawSsmp newer = login(port2, id); RawSsmp sender = login(port1, fresh("snd"))) {
            assertThat(older.closedWithin(RawSsmp.WAIT)).isTrue();
            assertThat(sender.call("UCAST " + id + " to-newer")).isEqualTo("200");
            assertThat(newer.line()).endsWith(" UCAST " + id + " to-newer");
        }
    }

    @Test
    void presenceCoversSubscribersOnBothNodes() throws Exception {
        String topic = fresh("pt");
        String local = fresh("pl");
        String remote = fresh("pr");
        try (RawSsmp l = login(port1, local); RawSsmp r = login(port2, remote); RawSsmp w = login(port1, fresh("pw"))) {
            l.call("SUBSCRIBE " + topic);
            r.call("SUBSCRIBE " + topic);
            Thread.sleep(200);
            assertThat(w.call("SUBSCRIBE " + topic + " PRESENCE")).isEqualTo("200");
            assertThat(Set.of(w.line(), w.line()))
                    .containsExactlyInAnyOrder("000 " + local + " SUBSCRIBE " + topic, "000 " + remote + " SUBSCRIBE " + topic);
            String later = fresh("pn");
            try (RawSsmp x = login(port2, later)) {
                x.call("SUBSCRIBE " + topic);
                assertThat(w.line()).isEqualTo("000 " + later + " SUBSCRIBE " + topic);
            }
            assertThat(w.line()).isEqualTo("000 " + later + " UNSUBSCRIBE " + topic);
            r.close();
            assertThat(w.line()).isEqualTo("000 " + remote + " UNSUBSCRIBE " + topic);
        }
    }

    @Test
    void presenceWatcherOnTheOtherNodeSeesSubscribeBeforeUnsubscribe() throws Exception {
        String topic = fresh("race");
        try (RawSsmp w = login(port2, fresh("rw")); RawSsmp busy = login(port1, fresh("rb"))) {
            assertThat(w.call("SUBSCRIBE " + topic + " PRESENCE")).isEqualTo("200");
            for (int i = 0; i < 20; i++) {
                busy.send("SUBSCRIBE " + topic);
                busy.send("UNSUBSCRIBE " + topic);
            }
            for (int i = 0; i < 40; i++) {
                assertThat(w.line()).isEqualTo("000 rb" + n + (i % 2 == 0 ? " SUBSCRIBE " : " UNSUBSCRIBE ") + topic);
            }
        }
    }

    @Test
    void bcastReachesPeersOnBothNodesOnce() throws Exception {
        String t1 = fresh("bt");
        String t2 = fresh("bt");
        String sender = fresh("bs");
        try (RawSsmp s = login(port1, sender); RawSsmp p1 = login(port1, fresh("bp")); RawSsmp p2 = login(port2, fresh("bp"))) {
            s.call("SUBSCRIBE " + t1);
            s.call("SUBSCRIBE " + t2);
            p1.call("SUBSCRIBE " + t1);
            p2.call("SUBSCRIBE " + t1);
            p2.call("SUBSCRIBE " + t2);
            Thread.sleep(200);
            assertThat(s.call("BCAST all")).isEqualTo("200");
            assertThat(p1.line()).isEqualTo("000 " + sender + " BCAST all");
            assertThat(p2.line()).isEqualTo("000 " + sender + " BCAST all");
            assertThat(p2.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void httpApiOnOneNodeSeesAndReachesConnectionsOnBoth() throws Exception {
        String a = fresh("ha");
        String b = fresh("hb");
        try (RawSsmp ca = login(port1, a); RawSsmp cb = login(port2, b)) {
            cb.call("SUBSCRIBE " + b + "-topic");
            HttpResponse<String> list = VerkehrNodes.get(one, "/v1/connections");
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(list.body()).contains("\"id\":\"" + a + "\"").contains("\"id\":\"" + b + "\"").contains("\"node\":\"n2\"");
            HttpResponse<String> detail = VerkehrNodes.get(one, "/v1/connection?id=" + b);
            assertThat(detail.body()).contains("\"node\":\"n2\"").contains(b + "-topic").contains("127.0.0.1");
            HttpResponse<String> sent = VerkehrNodes.post(one, "/v1/unicast", "{\"id\":\"" + b + "\",\"payload\":\"from http\"}");
            assertThat(sent.statusCode()).isEqualTo(200);
            assertThat(cb.line()).isEqualTo("000 test UCAST " + b + " from http");
            HttpResponse<String> status = VerkehrNodes.get(one, "/v1/status");
            assertThat(status.body()).contains("\"nodes\":[\"n1\",\"n2\"]").contains("\"listening\":true");
        }
    }

    @Test
    void lostNodeMembersLeaveAndItsConnectionsAreClosedForDevman() throws Exception {
        var redis = one.getBean(org.springframework.data.redis.core.StringRedisTemplate.class);
        String p = nodes.prefix;
        long now = System.currentTimeMillis();
        String topic = fresh("ghost-topic");
        // A node that heartbeats once and then dies without a goodbye.
        redis.opsForZSet().add(p + ":nodes", "ghost", now);
        redis.opsForHash().put(p + ":conns", "ghost-dev", "ghost/1|10.0.0.9|" + now + "|cert");
        redis.opsForHash().put(p + ":topic:" + topic, "ghost-dev", "ghost/1");
        redis.opsForSet().add(p + ":ctopics:ghost/1", topic);
        Thread.sleep(400);
        try (RawSsmp w = login(port1, fresh("gw"))) {
            assertThat(w.call("SUBSCRIBE " + topic + " PRESENCE")).isEqualTo("200");
            assertThat(w.line()).isEqualTo("000 ghost-dev SUBSCRIBE " + topic);
            assertThat(w.line()).isEqualTo("000 ghost-dev UNSUBSCRIBE " + topic);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean closed = false;
        while (!closed && System.nanoTime() < deadline) {
            closed = redis.opsForStream().read(org.springframework.data.redis.connection.stream.StreamOffset.fromStart(nodes.eventStream()))
                    .stream().map(r -> r.getValue())
                    .anyMatch(v -> "ghost-dev".equals(v.get("id")) && "close".equals(v.get("type")) && "node-lost".equals(v.get("cause")));
            Thread.sleep(50);
        }
        assertThat(closed).isTrue();
        assertThat(redis.opsForHash().hasKey(p + ":conns", "ghost-dev")).isFalse();
        assertThat(redis.opsForHash().hasKey(p + ":topic:" + topic, "ghost-dev")).isFalse();
    }

    @Test
    void nodesHeartbeatOnTheEventsStreamAndALostNodeIsReportedAsOfItsLastHeartbeat() throws Exception {
        var redis = one.getBean(org.springframework.data.redis.core.StringRedisTemplate.class);
        long lastHeartbeat = System.currentTimeMillis() - 60_000;
        String ghost = fresh("ghost");
        redis.opsForZSet().add(nodes.prefix + ":nodes", ghost, lastHeartbeat);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        java.util.List<java.util.Map<Object, Object>> events = java.util.List.of();
        while (System.nanoTime() < deadline) {
            events = redis.opsForStream().read(org.springframework.data.redis.connection.stream.StreamOffset.fromStart(nodes.eventStream()))
                    .stream().map(r -> r.getValue()).toList();
            if (events.stream().anyMatch(v -> "node-lost".equals(v.get("type")) && ghost.equals(v.get("node")))) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(events).anyMatch(v -> "node-lost".equals(v.get("type")) && ghost.equals(v.get("node"))
                && Long.toString(lastHeartbeat).equals(v.get("time")));
        for (String node : java.util.List.of("n1", "n2")) {
            assertThat(events).as("a heartbeat of %s", node)
                    .anyMatch(v -> "heartbeat".equals(v.get("type")) && node.equals(v.get("node")) && v.get("time") != null);
        }
    }
}
