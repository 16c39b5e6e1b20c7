package dev.aero.verkehr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;


/** The rules of docs/protocols/ssmp.md, one test each, over real TLS sockets to one node. */
class SsmpProtocolTest extends NodeTest {

    private int port;
    private SSLContext tls;

    @BeforeAll
    void start() throws Exception {
        ConfigurableApplicationContext node = nodes.start("p1", Map.of("aero.verkehr.idle-ping", "1500ms"));
        port = VerkehrNodes.ssmpPort(node);
        tls = nodes.pki.clientContext(null);
    }

    private RawSsmp service(String id) throws Exception {
        return VerkehrNodes.service(tls, port, id);
    }

    @Test
    void grammarErrorsAnswer400AndClose() throws Exception {
        String[] bad = {
            "login x secret s", "LOGIN  x secret s", "LOGIN x! secret s", "LOGIN " + "a".repeat(65) + " secret s",
            "TOOLONGVERBNAMEABC x", "UCAST", "UCAST x", "UCAST x ", "SUBSCRIBE t OTHER", "MCAST t " + "p".repeat(1025),
            "LOGIN x\tsecret s",
        };
        for (String line : bad) {
            try (RawSsmp c = new RawSsmp(tls, port)) {
                c.send(line);
                assertThat(c.line()).as(line).isEqualTo("400");
                assertThat(c.closedWithin(RawSsmp.WAIT)).as(line).isTrue();
            }
        }
        try (RawSsmp c = service(fresh("g"))) {
            assertThat(c.call("SUBSCRIBE bad|topic")).isEqualTo("400");
            assertThat(c.closedWithin(RawSsmp.WAIT)).isTrue();
        }
    }

    @Test
    void firstRequestMustBeLogin() throws Exception {
        try (RawSsmp c = new RawSsmp(tls, port)) {
            assertThat(c.call("PING")).isEqualTo("400");
            assertThat(c.closedWithin(RawSsmp.WAIT)).isTrue();
        }
    }

    @Test
    void connectionWithoutLoginIsClosedSilently() throws Exception {
        try (RawSsmp c = new RawSsmp(tls, port)) {
            long start = System.nanoTime();
            assertThat(c.frame()).isNull();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(800));
        }
    }

    @Test
    void secondLoginIsNotAllowed() throws Exception {
        try (RawSsmp c = service(fresh("two"))) {
            assertThat(c.call("LOGIN other secret " + VerkehrNodes.SECRET)).isEqualTo("405");
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void wrongSecretIsRefusedWithTheSupportedSchemesThenClosed() throws Exception {
        try (RawSsmp c = new RawSsmp(tls, port)) {
            assertThat(c.call("LOGIN svc secret wrong")).isEqualTo("401 cert secret");
            assertThat(c.closedWithin(RawSsmp.WAIT)).isTrue();
        }
    }

    @Test
    void unknownAndDisabledSchemesAreRefused() throws Exception {
        for (String login : new String[] {"LOGIN x kerberos", "LOGIN x open", "LOGIN x secret", "LOGIN x cert"}) {
            try (RawSsmp c = new RawSsmp(tls, port)) {
                assertThat(c.call(login)).as(login).isEqualTo("401 cert secret");
                assertThat(c.closedWithin(RawSsmp.WAIT)).isTrue();
            }
        }
    }

    @Test
    void unknownVerbIsNotImplementedAndTheConnectionStaysOpen() throws Exception {
        try (RawSsmp c = service(fresh("u"))) {
            assertThat(c.call("FROBNICATE")).isEqualTo("501");
            assertThat(c.call("FROBNICATE someid")).isEqualTo("501");
            assertThat(c.call("FROBNICATE someid some payload")).isEqualTo("501");
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void closeAnswers200ThenCloses() throws Exception {
        try (RawSsmp c = service(fresh("c"))) {
            assertThat(c.call("CLOSE")).isEqualTo("200");
            assertThat(c.closedWithin(RawSsmp.WAIT)).isTrue();
        }
    }

    @Test
    void pingIsAnsweredWithPong() throws Exception {
        try (RawSsmp c = service(fresh("ping"))) {
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void idleConnectionIsPingedThenClosedWithoutPong() throws Exception {
        try (RawSsmp c = service(fresh("idle"))) {
            assertThat(c.line()).isEqualTo("000 . PING");
            assertThat(c.closedWithin(Duration.ofSeconds(4))).isTrue();
        }
    }

    @Test
    void pongKeepsAnIdleConnectionOpen() throws Exception {
        try (RawSsmp c = service(fresh("alive"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.line()).isEqualTo("000 . PING");
                c.send("PONG");
            }
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void subscribeTwiceIsConflictAndUnsubscribeOfUnheldTopicIsNotFound() throws Exception {
        try (RawSsmp c = service(fresh("s"))) {
            assertThat(c.call("SUBSCRIBE topic-a")).isEqualTo("200");
            assertThat(c.call("SUBSCRIBE topic-a")).isEqualTo("409");
            assertThat(c.call("SUBSCRIBE topic-a PRESENCE")).isEqualTo("409");
            assertThat(c.call("UNSUBSCRIBE topic-b")).isEqualTo("404");
            assertThat(c.call("UNSUBSCRIBE topic-a")).isEqualTo("200");
            assertThat(c.call("UNSUBSCRIBE topic-a")).isEqualTo("404");
        }
    }

    @Test
    void ucastToAnAbsentIdIsNotFound() throws Exception {
        try (RawSsmp c = service(fresh("uc"))) {
            assertThat(c.call("UCAST nobody-here hello")).isEqualTo("404");
            assertThat(c.call("UCAST . hello")).isEqualTo("404");
        }
    }

    @Test
    void ucastReachesTheTarget() throws Exception {
        String a = fresh("ua");
        String b = fresh("ub");
        try (RawSsmp ca = service(a); RawSsmp cb = service(b)) {
            assertThat(ca.call("UCAST " + b + " sig:z abc def")).isEqualTo("200");
            assertThat(cb.line()).isEqualTo("000 " + a + " UCAST " + b + " sig:z abc def");
        }
    }

    @Test
    void mcastReachesSubscribersButNotTheSender() throws Exception {
        String topic = fresh("mt");
        try (RawSsmp a = service(fresh("ma")); RawSsmp b = service(fresh("mb")); RawSsmp outsider = service(fresh("mo"))) {
            assertThat(a.call("SUBSCRIBE " + topic)).isEqualTo("200");
            assertThat(b.call("SUBSCRIBE " + topic)).isEqualTo("200");
            assertThat(a.call("MCAST " + topic + " one")).isEqualTo("200");
            assertThat(b.line()).endsWith(" MCAST " + topic + " one");
            assertThat(a.call("PING")).as("no echo to the sender").isEqualTo("000 . PONG");
            // A sender need not be subscribed.
            assertThat(outsider.call("MCAST " + topic + " two")).isEqualTo("200");
            assertThat(a.line()).endsWith(" MCAST " + topic + " two");
            assertThat(b.line()).endsWith(" MCAST " + topic + " two");
            assertThat(outsider.call("MCAST nobody-subscribes three")).isEqualTo("200");
        }
    }

    @Test
    void binaryPayloadWithLineFeedsIsForwardedByteForByte() throws Exception {
        String topic = fresh("bin");
        byte[] raw = new byte[300];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i % 7 == 0 ? '\n' : i);
        }
        byte[] wire = new byte[raw.length + 2];
        wire[0] = (byte) ((raw.length - 1) >>> 8);
        wire[1] = (byte) (raw.length - 1);
        System.arraycopy(raw, 0, wire, 2, raw.length);
        try (RawSsmp a = service(fresh("ba")); RawSsmp b = service(fresh("bb"))) {
            assertThat(b.call("SUBSCRIBE " + topic)).isEqualTo("200");
            byte[] head = ("MCAST " + topic + " ").getBytes(StandardCharsets.US_ASCII);
            byte[] request = new byte[head.length + wire.length + 1];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(wire, 0, request, head.length, wire.length);
            request[request.length - 1] = '\n';
            a.sendBytes(request);
            assertThat(a.line()).isEqualTo("200");
            byte[] event = b.frame();
            byte[] expectedHead = ("000 " + "ba" + (n - 1) + " MCAST " + topic + " ").getBytes(StandardCharsets.US_ASCII);
            assertThat(java.util.Arrays.copyOfRange(event, 0, expectedHead.length)).isEqualTo(expectedHead);
            assertThat(java.util.Arrays.copyOfRange(event, expectedHead.length, event.length)).isEqualTo(wire);
        }
    }

    @Test
    void bcastReachesEachPeerSharingATopicOnce() throws Exception {
        String t1 = fresh("bt");
        String t2 = fresh("bt");
        String sender = fresh("bs");
        try (RawSsmp s = service(sender); RawSsmp both = service(fresh("bboth")); RawSsmp one = service(fresh("bone"));
                RawSsmp none = service(fresh("bnone"))) {
            s.call("SUBSCRIBE " + t1);
            s.call("SUBSCRIBE " + t2);
            both.call("SUBSCRIBE " + t1);
            both.call("SUBSCRIBE " + t2);
            one.call("SUBSCRIBE " + t2);
            none.call("SUBSCRIBE " + fresh("other"));
            assertThat(s.call("BCAST hello all")).isEqualTo("200");
            assertThat(both.line()).isEqualTo("000 " + sender + " BCAST hello all");
            assertThat(one.line()).isEqualTo("000 " + sender + " BCAST hello all");
            assertThat(both.call("PING")).as("delivered once").isEqualTo("000 . PONG");
            assertThat(none.call("PING")).isEqualTo("000 . PONG");
            assertThat(s.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void presenceSubscriberGetsCurrentSubscribersThenChangesInOrder() throws Exception {
        String topic = fresh("pt");
        String a = fresh("pa");
        String b = fresh("pb");
        String w = fresh("pw");
        try (RawSsmp ca = service(a); RawSsmp cb = service(b); RawSsmp watcher = service(w)) {
            ca.call("SUBSCRIBE " + topic);
            cb.call("SUBSCRIBE " + topic);
            assertThat(watcher.call("SUBSCRIBE " + topic + " PRESENCE")).isEqualTo("200");
            assertThat(java.util.Set.of(watcher.line(), watcher.line()))
                    .containsExactlyInAnyOrder("000 " + a + " SUBSCRIBE " + topic, "000 " + b + " SUBSCRIBE " + topic);
            assertThat(ca.call("UNSUBSCRIBE " + topic)).isEqualTo("200");
            assertThat(watcher.line()).isEqualTo("000 " + a + " UNSUBSCRIBE " + topic);
            String c = fresh("pc");
            try (RawSsmp cc = service(c)) {
                cc.call("SUBSCRIBE " + topic);
                assertThat(watcher.line()).isEqualTo("000 " + c + " SUBSCRIBE " + topic);
            }
            // Closing the connection unsubscribes it from everything.
            assertThat(watcher.line()).isEqualTo("000 " + c + " UNSUBSCRIBE " + topic);
            cb.close();
            assertThat(watcher.line()).isEqualTo("000 " + b + " UNSUBSCRIBE " + topic);
        }
    }

    @Test
    void rapidSubscribeUnsubscribeNeverReordersPresenceEvents() throws Exception {
        String topic = fresh("race");
        try (RawSsmp watcher = service(fresh("rw"))) {
            assertThat(watcher.call("SUBSCRIBE " + topic + " PRESENCE")).isEqualTo("200");
            java.util.List<RawSsmp> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                clients.add(service(fresh("rc")));
            }
            for (int round = 0; round < 10; round++) {
                for (RawSsmp c : clients) {
                    c.send("SUBSCRIBE " + topic);
                    c.send("UNSUBSCRIBE " + topic);
                }
            }
            java.util.Map<String, Boolean> state = new java.util.HashMap<>();
            for (int i = 0; i < 8 * 10 * 2; i++) {
                String[] e = watcher.line().split(" ");
                boolean sub = e[2].equals("SUBSCRIBE");
                assertThat(state.getOrDefault(e[1], false)).as("event %s for %s", e[2], e[1]).isNotEqualTo(sub);
                state.put(e[1], sub);
            }
            assertThat(state.values()).containsOnly(false);
            clients.forEach(RawSsmp::close);
        }
    }

    @Test
    void anonymousConnectionsMayCastButNotSubscribe() throws Exception {
        String topic = fresh("anon");
        try (RawSsmp a1 = service("."); RawSsmp a2 = service("."); RawSsmp listener = service(fresh("al"))) {
            assertThat(a1.call("SUBSCRIBE " + topic)).isEqualTo("405");
            assertThat(a1.call("UNSUBSCRIBE " + topic)).isEqualTo("405");
            assertThat(a1.call("BCAST x")).isEqualTo("405");
            listener.call("SUBSCRIBE " + topic);
            assertThat(a2.call("MCAST " + topic + " from-anon")).isEqualTo("200");
            assertThat(listener.line()).isEqualTo("000 . MCAST " + topic + " from-anon");
            assertThat(a1.call("UCAST " + "al" + n + " direct")).isEqualTo("200");
            assertThat(listener.line()).isEqualTo("000 . UCAST al" + n + " direct");
            assertThat(listener.call("UCAST . back")).isEqualTo("404");
            assertThat(a1.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void loginWithTheSameIdClosesTheOlderConnection() throws Exception {
        String id = fresh("dup");
        try (RawSsmp first = service(id)) {
            first.call("SUBSCRIBE " + id + "-topic");
            try (RawSsmp second = service(id); RawSsmp sender = service(fresh("dsend"))) {
                assertThat(first.closedWithin(RawSsmp.WAIT)).isTrue();
                assertThat(sender.call("UCAST " + id + " to-the-newer")).isEqualTo("200");
                assertThat(second.line()).isEqualTo("000 dsend" + n + " UCAST " + id + " to-the-newer");
            }
        }
    }
}
