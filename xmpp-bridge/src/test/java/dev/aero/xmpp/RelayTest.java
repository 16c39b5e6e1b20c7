package dev.aero.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aero.common.id.DID;
import dev.aero.common.id.SID;
import dev.aero.common.ssmp.StoreMessage;
import dev.aero.common.testing.TestEjabberd;
import dev.aero.xmpp.ejabberd.EjabberdApi;
import dev.aero.xmpp.relay.PresenceSink;
import dev.aero.xmpp.relay.StoreTopics;
import dev.aero.xmpp.relay.XmppRelay;
import dev.aero.xmpp.rooms.RoomKeeper;
import dev.aero.xmpp.sp.SpStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The bridge's XMPP session on the real ejabberd test node: in the store's room, relaying a
 * device's frames and candidates to the store topic and the topic's to the room, never its own
 * messages, never a bad frame, and reporting presence. The verkehr side is a recorder.
 */
class RelayTest {

    private static final String FRAME = "AAAAAf////8AAAAFaGVsbG9i";

    /** What the relay publishes on store topics, in order. */
    private record Published(SID sid, StoreMessage message) { }

    private final List<Published> published = new CopyOnWriteArrayList<>();
    private final List<String> presence = new CopyOnWriteArrayList<>();
    private final List<XMPPTCPConnection> devices = new ArrayList<>();
    private SimpleMeterRegistry meters;
    private TestEjabberd ejabberd;
    private XmppRelay relay;
    private RoomKeeper keeper;

    @BeforeEach
    void start() throws Exception {
        ejabberd = TestEjabberd.get();
        meters = new SimpleMeterRegistry();
        StoreTopics topics = new StoreTopics() {
            @Override
            public void follow(SID sid) {
            }

            @Override
            public void unfollow(SID sid) {
            }

            @Override
            public boolean publish(SID sid, StoreMessage message) {
                published.add(new Published(sid, message));
                return true;
            }
        };
        PresenceSink sink = new PresenceSink() {
            @Override
            public void online(DID device, String session) {
                presence.add("online " + device.hex());
            }

            @Override
            public void offline(DID device, String session) {
                presence.add("offline " + device.hex());
            }
        };
        relay = new XmppRelay(new XmppRelay.Settings(ejabberd.host(), ejabberd.port(), ejabberd.domain(), ejabberd.bridgeUser(),
                ejabberd.bridgePassword(), "relay-test-" + DID.random().hex().substring(0, 8), ejabberd::trustManager), topics, sink, meters);
        EjabberdApi api = new EjabberdApi(ejabberd.apiUrl(), ejabberd.bridgeJid(), ejabberd.bridgePassword(), ejabberd.mucService(),
                Duration.ofSeconds(10));
        keeper = new RoomKeeper(api, ejabberd.domain(), relay, meters);
        relay.start();
        await(relay::connected, "the bridge's session");
    }

    @AfterEach
    void stop() {
        devices.forEach(XMPPTCPConnection::disconnect);
        relay.stop();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Await.until(condition, Duration.ofSeconds(10), what);
    }

    private SID store(DID... members) throws Exception {
        SID sid = SID.random();
        keeper.keep(new SpStores.Store(sid, true, List.of(members)));
        await(() -> relay.inRoom(sid.hex()), "the bridge in the room");
        return sid;
    }

    private MultiUserChat enter(SID sid, DID device, String nick, StandardExtensionElement transport) throws Exception {
        String jid = device.hex() + "@" + ejabberd.domain();
        XMPPTCPConnection c = XmppConnections.to(ejabberd, device.hex(), ejabberd.jwtKey().sign(jid, Instant.now().plusSeconds(300)));
        c.connect().login();
        devices.add(c);
        MultiUserChat room = MultiUserChatManager.getInstanceFor(c)
                .getMultiUserChat(JidCreate.entityBareFrom(sid.hex() + "@" + ejabberd.mucService()));
        var config = room.getEnterConfigurationBuilder(Resourcepart.from(nick)).requestMaxStanzasHistory(0);
        if (transport != null) {
            config.withPresence(p -> p.addExtension(transport));
        }
        room.join(config.build());
        return room;
    }

    private double dropped(String cause) {
        var counter = meters.find("aero.xmpp.dropped").tag("cause", cause).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aDevicesFrameReachesTheStoreTopicOnceWithTheDeviceItIs() throws Exception {
        DID a = DID.random();
        SID sid = store(a);
        MultiUserChat room = enter(sid, a, a.hex(), null);
        await(() -> presence.contains("online " + a.hex()), "presence reported");
        assertThat(meters.get("aero.xmpp.occupants").gauge().value()).isEqualTo(1);
        room.sendMessage(FRAME);
        await(() -> !published.isEmpty(), "the frame relayed");
        assertThat(published).containsExactly(new Published(sid, new StoreMessage(StoreMessage.Kind.MAXCAST, a, FRAME)));

        // The bridge's own messages come back to it from the room: never relayed again.
        relay.fromVerkehr(sid, new StoreMessage(StoreMessage.Kind.MAXCAST, DID.random(), FRAME));
        room.sendMessage(FRAME);
        // The room sends the bridge its own message back before the device's second frame.
        await(() -> published.stream().filter(p -> p.message().device().equals(a)).count() == 2, "the second frame");
        assertThat(published).hasSize(2);
        room.leave();
        await(() -> presence.contains("offline " + a.hex()), "leave reported");
        assertThat(meters.get("aero.xmpp.occupants").gauge().value()).isZero();
    }

    @Test
    void aNicknameIsNotAnIdentity() throws Exception {
        DID a = DID.random();
        DID impersonated = DID.random();
        SID sid = store(a, impersonated);
        enter(sid, a, impersonated.hex(), null).sendMessage(FRAME);
        await(() -> !published.isEmpty(), "the frame relayed");
        assertThat(published.getFirst().message().device()).isEqualTo(a);
    }

    @Test
    void aBadFrameIsDroppedAndCounted() throws Exception {
        DID a = DID.random();
        SID sid = store(a);
        MultiUserChat room = enter(sid, a, a.hex(), null);
        room.sendMessage("AAAAAf////8AAAAFaGVsbG9j");
        room.sendMessage("not a frame");
        await(() -> dropped("bad-checksum") == 1 && dropped("not-base64") == 1, "both dropped and counted");
        room.sendMessage(FRAME);
        await(() -> !published.isEmpty(), "a good frame still goes");
        assertThat(published).hasSize(1);
    }

    @Test
    void theTopicsFramesAndCandidatesReachTheRoomFromTheBridgeWithTheirOrigin() throws Exception {
        DID a = DID.random();
        DID remote = DID.random();
        SID sid = store(a);
        MultiUserChat room = enter(sid, a, a.hex(), null);
        BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        room.addMessageListener(received::add);

        relay.fromVerkehr(sid, new StoreMessage(StoreMessage.Kind.MAXCAST, remote, FRAME));
        Message frame = fromBridge(received, 5000);
        assertThat(frame).isNotNull();
        assertThat(frame.getFrom().getResourceOrNull().toString()).isEqualTo(XmppRelay.NICK);
        assertThat(frame.getBody()).isEqualTo(FRAME);
        assertThat(((StandardExtensionElement) frame.getExtensionElement("origin", "urn:aero:maxcast")).getAttributeValue("did"))
                .isEqualTo(remote.hex());

        relay.fromVerkehr(sid, new StoreMessage(StoreMessage.Kind.CANDIDATES, remote, "{\"tcp\":[\"10.0.0.9:3000\"]}"));
        Message candidates = fromBridge(received, 5000);
        assertThat(candidates).isNotNull();
        StandardExtensionElement transport = (StandardExtensionElement) candidates.getExtensionElement("transport", "urn:aero:transport");
        assertThat(transport.getAttributeValue("did")).isEqualTo(remote.hex());
        assertThat(transport.getText()).isEqualTo("{\"tcp\":[\"10.0.0.9:3000\"]}");

        relay.fromVerkehr(sid, new StoreMessage(StoreMessage.Kind.MAXCAST, remote, "AAAAAf////8AAAAFaGVsbG9j"));
        assertThat(fromBridge(received, 500)).as("a bad frame never reaches the room").isNull();
        assertThat(dropped("bad-checksum")).isEqualTo(1);
    }

    /** The next message from the bridge's nickname (the room's own, such as its subject, are skipped), or null. */
    private static Message fromBridge(BlockingQueue<Message> received, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left = TimeUnit.MILLISECONDS.toNanos(millis); left > 0; left = deadline - System.nanoTime()) {
            Message m = received.poll(left, TimeUnit.NANOSECONDS);
            if (m != null && m.getFrom().getResourceOrNull() != null && XmppRelay.NICK.equals(m.getFrom().getResourceOrNull().toString())) {
                return m;
            }
        }
        return null;
    }

    @Test
    void aDevicesCandidatesInItsPresenceReachTheStoreTopic() throws Exception {
        DID a = DID.random();
        SID sid = store(a);
        enter(sid, a, a.hex(), StandardExtensionElement.builder("transport", "urn:aero:transport").setText("{\"tcp\":[\"10.0.0.2:3000\"]}").build());
        await(() -> !published.isEmpty(), "the candidates relayed");
        assertThat(published).containsExactly(new Published(sid, new StoreMessage(StoreMessage.Kind.CANDIDATES, a, "{\"tcp\":[\"10.0.0.2:3000\"]}")));
    }
}
