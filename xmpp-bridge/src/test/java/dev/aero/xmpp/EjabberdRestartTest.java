package dev.aero.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.testing.TestEjabberd;
import dev.aero.xmpp.ejabberd.EjabberdApi;
import dev.aero.xmpp.relay.PresenceSink;
import dev.aero.xmpp.relay.StoreTopics;
import dev.aero.xmpp.relay.XmppHealthIndicator;
import dev.aero.xmpp.relay.XmppRelay;
import dev.aero.xmpp.rooms.RoomKeeper;
import dev.aero.xmpp.rooms.RoomReconciler;
import dev.aero.xmpp.sp.SpStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * ejabberd killed (SIGKILL, as in a crash) and started again under the bridge, with 1,000 rooms:
 * its session and its health are down while ejabberd is, then it is back in every room by itself,
 * healthy, and relays again. A crash can lose ejabberd's last room changes (Mnesia writes its log
 * behind); the reconciliation that follows the bridge's new session puts them back.
 */
class EjabberdRestartTest {

    private static final int ROOMS = 1000;

    @Test
    void theBridgeRejoinsEveryRoomAfterEjabberdIsKilledAndStartedAgainAndRelaysAgain() throws Exception {
        TestEjabberd ejabberd = TestEjabberd.get();
        if (ejabberd.ctl() == null) {
            Assumptions.abort("no ejabberdctl for the test node (" + TestEjabberd.CTL + ")");
        }
        List<StoreMessage> published = new CopyOnWriteArrayList<>();
        StoreTopics topics = new StoreTopics() {
            @Override
            public void follow(SID sid) {
            }

            @Override
            public void unfollow(SID sid) {
            }

            @Override
            public boolean publish(SID sid, StoreMessage message) {
                published.add(message);
                return true;
            }
        };
        PresenceSink presence = new PresenceSink() {
            @Override
            public void online(DID device, String session) {
            }

            @Override
            public void offline(DID device, String session) {
            }
        };
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        XmppRelay relay = new XmppRelay(new XmppRelay.Settings(ejabberd.host(), ejabberd.port(), ejabberd.domain(), ejabberd.bridgeUser(),
                ejabberd.bridgePassword(), "restart-test", ejabberd::trustManager), topics, presence, meters);
        EjabberdApi api = new EjabberdApi(ejabberd.apiUrl(), ejabberd.bridgeJid(), ejabberd.bridgePassword(), ejabberd.mucService(),
                Duration.ofSeconds(10));
        RoomKeeper keeper = new RoomKeeper(api, ejabberd.domain(), relay, meters);
        DID device = DID.random();
        List<SID> stores = new ArrayList<>();
        for (int i = 0; i < ROOMS; i++) {
            stores.add(SID.random());
        }
        StandInSp sp = new StandInSp();
        stores.forEach(sid -> sp.store(sid, device));
        RoomReconciler reconciler = new RoomReconciler(new SpStores(sp.url(), StandInSp.SECRET, Duration.ofSeconds(5)), api, keeper,
                Duration.ofMinutes(30), 500, meters);
        relay.onSignedIn(reconciler::reconcileSoon);
        relay.start();
        XMPPTCPConnection deviceSession = null;
        try {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> made = new ArrayList<>();
            for (SID sid : stores) {
                made.add(pool.submit(() -> keeper.keep(new SpStores.Store(sid, true, List.of(device)))));
            }
            for (Future<Integer> f : made) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            Await.until(() -> relay.connected() && stores.stream().allMatch(s -> relay.inRoom(s.hex())), Duration.ofSeconds(60), "in all rooms");

            reconciler.start();
            Await.until(() -> meters.counter("aero.xmpp.reconciliations").count() >= 1, Duration.ofSeconds(60), "the first reconciliation");
            XmppHealthIndicator health = new XmppHealthIndicator(relay);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            ctl(ejabberd, "kill");
            Await.until(() -> !relay.connected(), Duration.ofSeconds(30), "the session down while ejabberd is");
            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.health().getDetails()).containsEntry("reason", "ejabberd unreachable");
            long restarted = System.nanoTime();
            ctl(ejabberd, "start");
            Await.until(() -> portOpen(ejabberd), Duration.ofSeconds(60), "ejabberd listening again");
            Await.until(() -> relay.connected() && stores.stream().allMatch(s -> relay.inRoom(s.hex())), Duration.ofSeconds(60),
                    "back in every room");
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            System.out.printf("[restart] %d rooms rejoined %d ms after ejabberd was started again%n", ROOMS,
                    (System.nanoTime() - restarted) / 1_000_000);
            // The new session's reconciliation: whatever the crash lost is back.
            Await.until(() -> meters.counter("aero.xmpp.reconciliations").count() >= 2 && reconciler.lastFailure() == null,
                    Duration.ofSeconds(60), "the reconciliation after the new session");
            System.out.printf("[restart] reconciled %d ms after ejabberd was started again%n", (System.nanoTime() - restarted) / 1_000_000);

            // Relaying resumes: a device's frame in the last room reaches the store topic.
            String jid = device.hex() + "@" + ejabberd.domain();
            deviceSession = XmppConnections.to(ejabberd, device.hex(), ejabberd.jwtKey().sign(jid, Instant.now().plusSeconds(300)));
            deviceSession.connect().login();
            MultiUserChat room = MultiUserChatManager.getInstanceFor(deviceSession)
                    .getMultiUserChat(JidCreate.entityBareFrom(stores.getLast().hex() + "@" + ejabberd.mucService()));
            room.join(room.getEnterConfigurationBuilder(Resourcepart.from(device.hex())).requestMaxStanzasHistory(0).build());
            room.sendMessage("AAAAAf////8AAAAFaGVsbG9i");
            Await.until(() -> !published.isEmpty(), Duration.ofSeconds(10), "the frame relayed after the restart");
            assertThat(published.getFirst().device()).isEqualTo(device);
            assertThat(meters.counter("aero.xmpp.reconnects").count()).isGreaterThanOrEqualTo(1);
        } finally {
            reconciler.stop();
            sp.close();
            if (deviceSession != null) {
                deviceSession.disconnect();
            }
            relay.stop();
            for (SID sid : stores) {
                api.destroyRoom(sid.hex());
            }
        }
    }

    private static void ctl(TestEjabberd ejabberd, String command) throws IOException, InterruptedException {
        // setsid: the node must not share this JVM's process group; no inherited pipes.
        Process p = new ProcessBuilder("setsid", ejabberd.ctl().toString(), command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("ejabberdctl " + command + " finished").isTrue();
    }

    private static boolean portOpen(TestEjabberd ejabberd) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ejabberd.host(), ejabberd.port()), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
