package dev.aero.verkehr;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.PlatformTopics;
import dev.aero.common.testing.TestPki;

/**
 * Store topics ({@code <sid>}) are open to a device only while SP says its user has JOINED the
 * store; an {@code acl/} message for the user makes every node ask again and take the device
 * out of stores it lost. SP is a stand-in here ({@link StandInSp}); the end-to-end scenario
 * runs the same against the real one.
 */
class StoreTopicsTest extends NodeTest {

    private StandInSp sp;
    private ConfigurableApplicationContext first;
    private ConfigurableApplicationContext second;

    @BeforeAll
    void start() throws Exception {
        sp = new StandInSp();
        Map<String, Object> settings = Map.of("aero.verkehr.sp-url", sp.url().toString());
        first = nodes.start("s1", settings);
        second = nodes.start("s2", settings);
    }

    @AfterAll
    void stopSp() {
        sp.close();
    }

    private record Device(DID did, String user, SSLContext tls) { }

    private Device device(String user) throws Exception {
        DID did = DID.random();
        TestPki.Credentials c = nodes.pki.device(did.hex(), user);
        sp.device(did, user);
        return new Device(did, user, nodes.pki.clientContext(c));
    }

    private RawSsmp connect(Device d, ConfigurableApplicationContext node) throws Exception {
        RawSsmp c = new RawSsmp(d.tls(), VerkehrNodes.ssmpPort(node));
        assertThat(c.call("LOGIN " + d.did().hex() + " cert")).isEqualTo("200");
        return c;
    }

    /** What SP does after a change commits: the user's new epoch on its {@code acl/} topic. */
    private void aclChanged(String user, long epoch) throws Exception {
        var r = VerkehrNodes.post(first, "/v1/publish", "{\"topic\":\"" + PlatformTopics.acl(user) + "\",\"payload\":\"" + epoch + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private String user(String name) {
        return fresh(name) + "@example.com";
    }

    @Test
    void aJoinedMembersDeviceMaySubscribeAndOthersGet401() throws Exception {
        String sid = SID.random().hex();
        String member = user("member");
        String outsider = user("outsider");
        sp.joined(member, sid);
        sp.joined(outsider, SID.random().hex());
        Device mine = device(member);
        Device theirs = device(outsider);
        try (RawSsmp m = connect(mine, first); RawSsmp o = connect(theirs, first)) {
            assertThat(m.call("SUBSCRIBE " + sid + " PRESENCE")).isEqualTo("200");
            assertThat(o.call("SUBSCRIBE " + sid)).isEqualTo("401 cert secret");
            assertThat(o.call("SUBSCRIBE " + sid + " PRESENCE")).isEqualTo("401 cert secret");
            assertThat(o.call("PING")).as("a refusal leaves the connection usable").isEqualTo("000 . PONG");
            assertThat(m.silentFor(Duration.ofMillis(200))).as("a refused device is never a member").isTrue();
        }
    }

    @Test
    void onlyAJoinedMembersDeviceMayMcastToTheStore() throws Exception {
        String sid = SID.random().hex();
        String member = user("caster");
        String outsider = user("intruder");
        sp.joined(member, sid);
        Device a = device(member);
        Device b = device(member);
        Device x = device(outsider);
        try (RawSsmp ca = connect(a, first); RawSsmp cb = connect(b, second); RawSsmp cx = connect(x, first)) {
            assertThat(cb.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(cx.call("MCAST " + sid + " forged")).isEqualTo("401 cert secret");
            assertThat(ca.call("MCAST " + sid + " maxcast-1")).isEqualTo("200");
            assertThat(cb.line()).as("only the member's message arrives, on the other node")
                    .isEqualTo("000 " + a.did().hex() + " MCAST " + sid + " maxcast-1");
        }
    }

    @Test
    void aRemovedMembersDevicesLeaveTheStoreOnEveryNodeWithinFiveSeconds() throws Exception {
        String sid = SID.random().hex();
        String staying = user("staying");
        String leaving = user("leaving");
        sp.joined(staying, sid);
        sp.joined(leaving, sid);
        Device watcherHere = device(staying);
        Device watcherThere = device(staying);
        Device gone1 = device(leaving);
        Device gone2 = device(leaving);
        try (RawSsmp w1 = connect(watcherHere, first); RawSsmp w2 = connect(watcherThere, second);
                RawSsmp g1 = connect(gone1, first); RawSsmp g2 = connect(gone2, second)) {
            assertThat(g1.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(g2.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(w1.call("SUBSCRIBE " + sid + " PRESENCE")).isEqualTo("200");
            assertThat(w2.call("SUBSCRIBE " + sid + " PRESENCE")).isEqualTo("200");

            long start = System.nanoTime();
            sp.joined(leaving);
            aclChanged(leaving, 2);
            for (RawSsmp watcher : new RawSsmp[] {w1, w2}) {
                awaitUnsubscribes(watcher, sid, gone1.did().hex(), gone2.did().hex());
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

            assertThat(g1.call("MCAST " + sid + " late")).isEqualTo("401 cert secret");
            assertThat(g2.call("SUBSCRIBE " + sid)).as("not held any more, and refused").isEqualTo("401 cert secret");
            assertThat(w1.call("MCAST " + sid + " still-here")).isEqualTo("200");
            assertThat(w2.line()).isEqualTo("000 " + watcherHere.did().hex() + " MCAST " + sid + " still-here");
            assertThat(g1.silentFor(Duration.ofMillis(200))).as("removed devices receive nothing more").isTrue();
        }
    }

    @Test
    void anotherUsersAclChangeLeavesAMemberInPlace() throws Exception {
        String sid = SID.random().hex();
        String member = user("steady");
        String other = user("bystander");
        sp.joined(member, sid);
        sp.joined(other, sid);
        Device d = device(member);
        Device o = device(other);
        try (RawSsmp c = connect(d, first); RawSsmp w = connect(o, second)) {
            assertThat(c.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(w.call("SUBSCRIBE " + sid + " PRESENCE")).isEqualTo("200");
            assertThat(w.line()).isEqualTo("000 " + d.did().hex() + " SUBSCRIBE " + sid);
            sp.joined(other, sid, SID.random().hex());
            aclChanged(other, 5);
            assertThat(c.call("MCAST " + sid + " hello")).isEqualTo("200");
            assertThat(w.line()).as("no UNSUBSCRIBE came first").isEqualTo("000 " + d.did().hex() + " MCAST " + sid + " hello");
        }
    }

    @Test
    void answersAreCachedPerUserUntilItsAclChanges() throws Exception {
        String sid = SID.random().hex();
        String later = SID.random().hex();
        String member = user("cached");
        sp.joined(member, sid);
        Device a = device(member);
        Device b = device(member);
        try (RawSsmp ca = connect(a, first); RawSsmp cb = connect(b, first)) {
            int before = sp.requests();
            assertThat(ca.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(cb.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(ca.call("MCAST " + sid + " x")).isEqualTo("200");
            assertThat(sp.requests() - before).as("one question for the user's devices").isEqualTo(1);

            sp.joined(member, sid, later);
            assertThat(ca.call("SUBSCRIBE " + later)).as("the cache still says no").isEqualTo("401 cert secret");
            aclChanged(member, 3);
            assertThat(ca.call("SUBSCRIBE " + later)).as("the publish dropped the cached answer before it returned").isEqualTo("200");
        }
    }

    @Test
    void withSpDownAndNothingCachedSubscribeIs401AndTheConnectionStaysUsable() throws Exception {
        String sid = SID.random().hex();
        String member = user("cold");
        sp.joined(member, sid);
        Device d = device(member);
        try (RawSsmp c = connect(d, second)) {
            sp.down(true);
            try {
                assertThat(c.call("SUBSCRIBE " + sid)).isEqualTo("401 cert secret");
                assertThat(c.call("MCAST " + sid + " x")).isEqualTo("401 cert secret");
                assertThat(c.call("PING")).isEqualTo("000 . PONG");
                assertThat(c.call("SUBSCRIBE cmd/" + d.did().hex())).as("topics that need no SP still work").isEqualTo("200");
            } finally {
                sp.down(false);
            }
            assertThat(c.call("SUBSCRIBE " + sid)).as("once SP answers again").isEqualTo("200");
        }
    }

    @Test
    void aDevicesMaxcastAndCandidatesNameItselfOrAre400AndItsConnectionCloses() throws Exception {
        String sid = SID.random().hex();
        String member = user("speaker");
        sp.joined(member, sid);
        Device a = device(member);
        Device b = device(member);
        String other = DID.random().hex();
        try (RawSsmp ca = connect(a, first); RawSsmp cb = connect(b, second);
                RawSsmp svc = VerkehrNodes.service(nodes.pki.clientContext(null), VerkehrNodes.ssmpPort(first), "xmpp-bridge")) {
            assertThat(cb.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(ca.call("MCAST " + sid + " mc " + a.did().hex() + " AAAAAf////8AAAAFaGVsbG9i")).isEqualTo("200");
            assertThat(cb.line()).isEqualTo("000 " + a.did().hex() + " MCAST " + sid + " mc " + a.did().hex() + " AAAAAf////8AAAAFaGVsbG9i");
            assertThat(ca.call("MCAST " + sid + " loc " + a.did().hex() + " {\"tcp\":[\"10.0.0.2:3000\"]}")).isEqualTo("200");
            assertThat(cb.line()).startsWith("000 " + a.did().hex() + " MCAST " + sid + " loc " + a.did().hex() + " ");
            // A service (the bridge) relays for any device.
            assertThat(svc.call("MCAST " + sid + " mc " + other + " AAAAAf////8AAAAFaGVsbG9i")).isEqualTo("200");
            assertThat(cb.line()).isEqualTo("000 xmpp-bridge MCAST " + sid + " mc " + other + " AAAAAf////8AAAAFaGVsbG9i");

            assertThat(ca.call("MCAST " + sid + " mc " + other + " AAAAAf////8AAAAFaGVsbG9i")).isEqualTo("400");
            assertThat(ca.closedWithin(Duration.ofSeconds(5))).as("every 400 closes the connection").isTrue();
            assertThat(cb.silentFor(Duration.ofMillis(200))).as("nothing of the spoofed line arrives").isTrue();
        }
        try (RawSsmp ca = connect(a, first); RawSsmp cb = connect(b, second)) {
            assertThat(cb.call("SUBSCRIBE " + sid)).isEqualTo("200");
            assertThat(ca.call("MCAST " + sid + " loc " + other + " {}")).isEqualTo("400");
            assertThat(cb.silentFor(Duration.ofMillis(200))).isTrue();
        }
    }

    @Test
    void servicesAndUnknownDevicesAreNotAskedAbout() throws Exception {
        String sid = SID.random().hex();
        DID unknown = DID.random();
        TestPki.Credentials c = nodes.pki.device(unknown.hex(), "nobody@example.com");
        try (RawSsmp d = new RawSsmp(nodes.pki.clientContext(c), VerkehrNodes.ssmpPort(first));
                RawSsmp svc = VerkehrNodes.service(nodes.pki.clientContext(null), VerkehrNodes.ssmpPort(first), "xmpp-bridge")) {
            assertThat(d.call("LOGIN " + unknown.hex() + " cert")).isEqualTo("200");
            assertThat(d.call("SUBSCRIBE " + sid)).as("SP does not know the device").isEqualTo("401 cert secret");
            int before = sp.requests();
            assertThat(svc.call("SUBSCRIBE " + sid + " PRESENCE")).isEqualTo("200");
            assertThat(svc.call("MCAST " + sid + " from-a-service")).isEqualTo("200");
            assertThat(sp.requests()).as("services need no membership").isEqualTo(before);
        }
    }

    /** Reads presence events until each of {@code ids} has left {@code sid}; only SUBSCRIBE events may come between. */
    private static void awaitUnsubscribes(RawSsmp watcher, String sid, String... ids) throws Exception {
        java.util.Set<String> expected = new java.util.HashSet<>();
        for (String id : ids) {
            expected.add("000 " + id + " UNSUBSCRIBE " + sid);
        }
        while (!expected.isEmpty()) {
            String line = watcher.line();
            if (!expected.remove(line)) {
                assertThat(line).as("only earlier arrivals may come first").matches("000 \\S+ SUBSCRIBE " + sid);
            }
        }
    }

}
