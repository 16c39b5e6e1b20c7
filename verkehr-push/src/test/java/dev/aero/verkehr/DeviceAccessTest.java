package dev.aero.verkehr;

import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.common.testing.TestPki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.aero.common.id.DID;

/** Devices log in with their certificates and hold only their own topics; revocation cuts them off. */
class DeviceAccessTest extends NodeTest {

    private ConfigurableApplicationContext node;
    private int port;

    @BeforeAll
    void start() throws Exception {
        node = nodes.start("d1", Map.of());
        port = VerkehrNodes.ssmpPort(node);
    }

    private record Device(DID did, String user, TestPki.Credentials credentials, SSLContext tls) { }

    private Device device(String user) throws Exception {
        DID did = DID.random();
        TestPki.Credentials c = nodes.pki.device(did.hex(), user);
        return new Device(did, user, c, nodes.pki.clientContext(c));
    }

    private RawSsmp connect(Device d, String id) throws Exception {
        RawSsmp c = new RawSsmp(d.tls(), port);
        assertThat(c.call("LOGIN " + id + " cert")).isEqualTo("200");
        return c;
    }

    @Test
    void deviceLogsInAsItsIdItsIdWithASuffixOrItsUser() throws Exception {
        Device d = device("alice@example.com");
        try (RawSsmp c = connect(d, d.did().hex())) {
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
        try (RawSsmp c = connect(d, d.did().hex() + "/sync")) {
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
        try (RawSsmp c = connect(d, "alice@example.com")) {
            assertThat(c.call("PING")).isEqualTo("000 . PONG");
        }
    }

    @Test
    void deviceCannotLogInAsAnotherIdentity() throws Exception {
        Device d = device("bob@example.com");
        for (String id : new String[] {DID.random().hex(), d.did().hex() + "x", d.did().hex() + "/", "mallory@example.com", "."}) {
            try (RawSsmp c = new RawSsmp(d.tls(), port)) {
                assertThat(c.call("LOGIN " + id + " cert")).as(id).isEqualTo("401 cert secret");
                assertThat(c.closedWithin(RawSsmp.WAIT)).isTrue();
            }
        }
    }

    @Test
    void certLoginWithoutACertificateIsRefused() throws Exception {
        try (RawSsmp c = new RawSsmp(nodes.pki.clientContext(null), port)) {
            assertThat(c.call("LOGIN " + DID.random().hex() + " cert")).isEqualTo("401 cert secret");
        }
    }

    @Test
    void certificateFromAnotherCaFailsTheHandshake() throws Exception {
        TestPki.Credentials foreign = TestPki.foreign(DID.random().hex());
        SSLContext context = nodes.pki.clientContext(foreign);
        assertThatThrownBy(() -> {
            try (RawSsmp c = new RawSsmp(context, port)) {
                c.call("LOGIN x cert");
            }
        }).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void deviceHoldsOnlyItsOwnCommandAndAclTopics() throws Exception {
        Device d = device("carol@example.com");
        try (RawSsmp c = connect(d, d.did().hex())) {
            assertThat(c.call("SUBSCRIBE cmd/" + d.did().hex())).isEqualTo("200");
            assertThat(c.call("SUBSCRIBE " + PlatformTopics.acl("carol@example.com"))).isEqualTo("200");
            assertThat(c.call("SUBSCRIBE cmd/" + DID.random().hex())).isEqualTo("401 cert secret");
            assertThat(c.call("SUBSCRIBE " + PlatformTopics.acl("dave@example.com"))).isEqualTo("401 cert secret");
            assertThat(c.call("SUBSCRIBE " + DID.random().hex())).as("a store its user has not joined").isEqualTo("401 cert secret");
            // Refusals leave the connection open and the subscriptions in place.
            assertThat(c.call("SUBSCRIBE cmd/" + d.did().hex())).isEqualTo("409");
        }
    }

    @Test
    void deviceCannotPublishCommandsOrAclEpochs() throws Exception {
        Device d = device("erin@example.com");
        Device victim = device("frank@example.com");
        try (RawSsmp v = connect(victim, victim.did().hex()); RawSsmp attacker = connect(d, d.did().hex())) {
            v.call("SUBSCRIBE cmd/" + victim.did().hex());
            assertThat(attacker.call("MCAST cmd/" + victim.did().hex() + " forged")).isEqualTo("401 cert secret");
            assertThat(attacker.call("MCAST " + PlatformTopics.acl("frank@example.com") + " 99")).isEqualTo("401 cert secret");
            assertThat(v.silentFor(Duration.ofMillis(300))).isTrue();
            // Device-to-device signalling is unicast and allowed.
            assertThat(attacker.call("UCAST " + victim.did().hex() + " sig:z abc")).isEqualTo("200");
            assertThat(v.line()).isEqualTo("000 " + d.did().hex() + " UCAST " + victim.did().hex() + " sig:z abc");
        }
    }

    @Test
    void serviceCommandReachesTheDevice() throws Exception {
        Device d = device("gina@example.com");
        try (RawSsmp c = connect(d, d.did().hex()); RawSsmp svc = new RawSsmp(nodes.pki.clientContext(null), port)) {
            assertThat(c.call("SUBSCRIBE cmd/" + d.did().hex())).isEqualTo("200");
            assertThat(svc.call("LOGIN command-server secret " + VerkehrNodes.SECRET)).isEqualTo("200");
            assertThat(svc.call("MCAST cmd/" + d.did().hex() + " CgQIARAB")).isEqualTo("200");
            assertThat(c.line()).isEqualTo("000 command-server MCAST cmd/" + d.did().hex() + " CgQIARAB");
        }
    }

    @Test
    void revokingTheCertificateClosesTheConnectionWithinFiveSeconds() throws Exception {
        Device d = device("hank@example.com");
        Device other = device("ivy@example.com");
        try (RawSsmp c = connect(d, d.did().hex()); RawSsmp o = connect(other, other.did().hex())) {
            long start = System.nanoTime();
            nodes.pki.revoke(d.credentials().serial());
            assertThat(c.closedWithin(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(o.call("PING")).as("others stay").isEqualTo("000 . PONG");
            try (RawSsmp again = new RawSsmp(d.tls(), port)) {
                assertThat(again.call("LOGIN " + d.did().hex() + " cert")).isEqualTo("401 cert secret");
            }
        } finally {
            nodes.pki.revoke();
        }
    }

    @Test
    void loginAndCloseAreAppendedToTheEventStream() throws Exception {
        Device d = device("jack@example.com");
        try (RawSsmp c = connect(d, d.did().hex() + "/events")) {
            c.call("CLOSE");
            assertThat(c.closedWithin(RawSsmp.WAIT)).isTrue();
        }
        StringRedisTemplate redis = node.getBean(StringRedisTemplate.class);
        String id = d.did().hex() + "/events";
        List<Map<Object, Object>> mine = List.of();
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (mine.size() < 2 && System.nanoTime() < deadline) {
            List<MapRecord<String, Object, Object>> all = redis.opsForStream().read(StreamOffset.fromStart(nodes.eventStream()));
            mine = all.stream().map(MapRecord::getValue).filter(v -> id.equals(v.get("id"))).toList();
            Thread.sleep(50);
        }
        assertThat(mine).hasSize(2);
        assertThat(mine.get(0)).containsEntry("type", "login").containsEntry("address", "127.0.0.1").containsEntry("node", "d1")
                .containsEntry("scheme", "cert").containsEntry("did", d.did().hex())
                .containsEntry("serial", d.credentials().serial().toString(16)).containsKey("time");
        assertThat(mine.get(1)).containsEntry("type", "close").containsEntry("cause", "client-close");
        assertThat(Long.parseLong((String) mine.get(1).get("time"))).isGreaterThanOrEqualTo(Long.parseLong((String) mine.get(0).get("time")));
    }
}
